import { InfraError, redact } from '@infra/core';

/**
 * Typed errors of the Proxmox client. All are InfraErrors with stable codes; messages name the request
 * (method + path) and are redacted, so a token secret, ticket or CSRF token never reaches a terminal or log.
 */
/** Every code the Proxmox client throws; `isInfraError<ProxmoxErrorCode>(error, ...)` checks against it. */
export type ProxmoxErrorCode =
  | 'PVE_ALREADY_EXISTS'
  | 'PVE_AUTH_FAILED'
  | 'PVE_CLIENT_OPTIONS_INVALID'
  | 'PVE_LOCK_TIMEOUT'
  | 'PVE_NODE_UNKNOWN'
  | 'PVE_NODE_UNREACHABLE'
  | 'PVE_NOT_FOUND'
  | 'PVE_NOT_IMPLEMENTED'
  | 'PVE_OUTCOME_UNKNOWN'
  | 'PVE_PARAMETER_INVALID'
  | 'PVE_PERMISSION_DENIED'
  | 'PVE_RESPONSE_INVALID'
  | 'PVE_SERVER_ERROR'
  | 'PVE_STORAGE_CONTENT_MISSING'
  | 'PVE_STORAGE_NOT_FILE_BASED'
  | 'PVE_TASK_FAILED'
  | 'PVE_TASK_TIMEOUT'
  | 'PVE_TOKEN_ID_INVALID'
  | 'PVE_TOKEN_SECRET_MISSING'
  | 'PVE_UNREACHABLE'
  | 'PVE_UPID_INVALID'
  | 'TLS_CA_FILE_UNREADABLE'
  | 'TLS_FINGERPRINT_INVALID'
  | 'TLS_FINGERPRINT_MISMATCH'
  | 'TLS_OPTIONS_CONFLICT'
  | 'TLS_VERIFY_FAILED';

export interface RequestRef {
  method: string;
  /** The API path, e.g. `/nodes/pve/qemu` (no host, no query). */
  path: string;
}

interface PveErrorOptions {
  hint?: string;
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class PveError extends InfraError<ProxmoxErrorCode> {
  readonly method: string;
  readonly path: string;
  /** HTTP status when the server answered (0 for transport and TLS failures). */
  readonly status: number;

  constructor(
    code: ProxmoxErrorCode,
    request: RequestRef,
    status: number,
    message: string,
    options: PveErrorOptions = {},
  ) {
    super(code, redact(`${request.method} ${request.path}: ${message}`), {
      ...(options.hint ? { hint: redact(options.hint) } : {}),
      details: { method: request.method, path: redact(request.path), status, ...options.details },
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.name = new.target.name;
    this.method = request.method;
    this.path = request.path;
    this.status = status;
  }
}

/** 400 `Parameter verification failed.` — `errors` maps each parameter to Proxmox's message. */
export class PveParameterError extends PveError {
  readonly errors: Readonly<Record<string, string>>;
  /** True when the client refused to send the request because it is invalid under the official schema. */
  readonly local: boolean;

  constructor(
    request: RequestRef,
    errors: Record<string, string>,
    options: { local?: boolean; message?: string } = {},
  ) {
    const list = Object.entries(errors)
      .map(([k, v]) => `${k}: ${v.replace(/\n/g, '; ')}`)
      .join('; ');
    const lead = options.local
      ? 'invalid request (not sent)'
      : (options.message ?? 'Parameter verification failed.');
    super('PVE_PARAMETER_INVALID', request, options.local ? 0 : 400, `${lead} ${list}`.trim(), {
      hint: 'fix the named parameters; the allowed values are in the PVE 9.0 API schema (libs/pve-api)',
      details: { errors },
    });
    this.errors = errors;
    this.local = options.local ?? false;
  }
}

/** 401: wrong or expired credentials. Proxmox sends no body, only the status line. */
export class PveAuthError extends PveError {
  constructor(request: RequestRef, message: string, hint?: string) {
    super('PVE_AUTH_FAILED', request, 401, `authentication failed (${message || 'no reason given'})`, {
      hint:
        hint ??
        'check the API token id (user@realm!name) and secret, or the username and password; a token must not be expired',
    });
  }
}

/** 403: names the ACL path and privileges when Proxmox says them. */
export class PvePermissionError extends PveError {
  readonly aclPath: string | undefined;
  readonly privileges: readonly string[];

  constructor(request: RequestRef, message: string) {
    const match = /Permission check failed \(([^,)]+)(?:, ([^)]+))?\)/.exec(message);
    const aclPath = match && match[2] !== undefined ? match[1]!.trim() : undefined;
    const privileges = match?.[2] ? match[2].split('|').map((p) => p.trim()) : [];
    const what = aclPath ? `needs ${privileges.join(' or ')} on ${aclPath}` : message;
    super('PVE_PERMISSION_DENIED', request, 403, `permission denied: ${what}`, {
      hint: aclPath
        ? `grant ${privileges.join(' or ')} on ${aclPath} to the token (pveum acl modify ${aclPath} --tokens <id> --roles <role>), and check the token's privilege separation`
        : 'check the token or user ACLs (pveum acl list)',
      details: { aclPath, privileges, serverMessage: message },
    });
    this.aclPath = aclPath;
    this.privileges = privileges;
  }
}

/** 501: the path or method does not exist on this server (or in PVE 9.0). */
export class PveNotImplementedError extends PveError {
  constructor(request: RequestRef, message: string) {
    super('PVE_NOT_IMPLEMENTED', request, 501, message || 'not implemented', {
      hint: 'the endpoint does not exist on this Proxmox VE version; check the path and the server version',
    });
  }
}

/** 595/596/599: pveproxy could not reach the target node (or pvedaemon). */
export class PveNodeError extends PveError {
  constructor(request: RequestRef, status: number, message: string) {
    super('PVE_NODE_UNREACHABLE', request, status, `node unreachable (${status} ${message})`, {
      hint:
        status === 596 && /certificate/i.test(message)
          ? 'use the node name from GET /nodes (not an FQDN) in {node}'
          : 'check that the node is online (pvecm status) and that its name is spelled as in GET /nodes',
    });
  }
}

export type ServerErrorKind =
  | 'not-found'
  | 'already-exists'
  | 'lock-timeout'
  | 'storage-content'
  | 'storage-not-file-based'
  | 'unknown-node'
  | 'other';

const SERVER_KIND_CODES: Record<ServerErrorKind, ProxmoxErrorCode> = {
  'not-found': 'PVE_NOT_FOUND',
  'already-exists': 'PVE_ALREADY_EXISTS',
  'lock-timeout': 'PVE_LOCK_TIMEOUT',
  'storage-content': 'PVE_STORAGE_CONTENT_MISSING',
  'storage-not-file-based': 'PVE_STORAGE_NOT_FILE_BASED',
  'unknown-node': 'PVE_NODE_UNKNOWN',
  other: 'PVE_SERVER_ERROR',
};

const SERVER_KIND_HINTS: Record<ServerErrorKind, string> = {
  'not-found': 'check the node, storage, VM id or mapping name (GET /nodes, /storage, /cluster/resources)',
  'already-exists': 'pick another id (GET /cluster/nextid) or remove the existing object first',
  'lock-timeout': 'another operation holds the lock; retry later or serialise operations on this node',
  'storage-content':
    'enable the content type on the storage, e.g. pvesm set <storage> --content iso,vztmpl,import',
  'storage-not-file-based':
    'downloads need a file-based storage (dir, NFS, CIFS, CephFS, BTRFS); lvm and lvmthin cannot hold them: use e.g. "local"',
  'unknown-node': 'use a node name exactly as GET /nodes lists it (not an FQDN or IP)',
  other: 'see the message from Proxmox above',
};

export function classifyServerMessage(message: string): ServerErrorKind {
  if (/got timeout|got lock request timeout|can't lock file/i.test(message)) return 'lock-timeout';
  if (/is not configured for content-type/i.test(message)) return 'storage-content';
  if (/not a file based storage/i.test(message)) return 'storage-not-file-based';
  if (/hostname lookup '[^']*' failed|no such cluster node/i.test(message)) return 'unknown-node';
  if (/already exists|already defined/i.test(message)) return 'already-exists';
  if (/does not exist|no such|not found|No such file or directory/i.test(message)) return 'not-found';
  return 'other';
}

/** 500 and other statuses: the handler died with `message`. `kind` classifies the common cases. */
export class PveServerError extends PveError {
  readonly kind: ServerErrorKind;
  readonly serverMessage: string;

  constructor(request: RequestRef, status: number, message: string) {
    const kind = classifyServerMessage(message);
    super(SERVER_KIND_CODES[kind], request, status, message || `HTTP ${status}`, {
      hint: SERVER_KIND_HINTS[kind],
      details: { kind },
    });
    this.kind = kind;
    this.serverMessage = message;
  }
}

/** The request never got an answer: refused, reset, timed out. `sent` says whether it may have been executed. */
export class PveTransportError extends PveError {
  readonly sent: boolean;
  readonly transportCode: string | undefined;

  constructor(
    request: RequestRef,
    message: string,
    options: { sent: boolean; code?: string; cause?: unknown; endpoint: string },
  ) {
    super('PVE_UNREACHABLE', request, 0, `no answer from ${options.endpoint}: ${message}`, {
      hint: 'check that Proxmox VE is reachable on port 8006 from here (firewall, VPN, address in infra.config.yaml)',
      details: { transportCode: options.code, sent: options.sent },
      cause: options.cause,
    });
    this.sent = options.sent;
    this.transportCode = options.code;
  }
}

/** A write whose reply was lost and whose outcome could not be established by looking at the server. */
export class PveOutcomeUnknownError extends PveError {
  constructor(request: RequestRef, cause: unknown) {
    super(
      'PVE_OUTCOME_UNKNOWN',
      request,
      0,
      'the reply was lost and the request may or may not have taken effect',
      {
        hint: 'look at the task list in the Proxmox UI before retrying; the client does not repeat writes blindly',
        cause,
      },
    );
  }
}

/** 200 with a body that does not match the PVE 9.0 schema. */
export class PveResponseInvalidError extends PveError {
  constructor(request: RequestRef, issues: string[]) {
    super('PVE_RESPONSE_INVALID', request, 200, `unexpected response: ${issues.slice(0, 3).join('; ')}`, {
      hint: 'the server does not answer like Proxmox VE 9.0; check the endpoint URL and the server version (GET /version)',
      details: { issues },
    });
  }
}
