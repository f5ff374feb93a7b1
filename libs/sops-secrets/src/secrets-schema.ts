import { z } from 'zod';

/** Left in templates for the user to replace; a file still holding it is not ready to use. */
export const PLACEHOLDER = 'CHANGE-ME';

const notPlaceholder = (schema: z.ZodString) =>
  schema.refine((value) => !value.includes(PLACEHOLDER), {
    message: `still holds the ${PLACEHOLDER} placeholder`,
  });

/** `user@realm!tokenname`, as Proxmox prints it when the token is created. */
const PROXMOX_TOKEN_ID = /^[^\s@!:]+@[^\s@!:]+![A-Za-z][A-Za-z0-9._-]*$/;
/** Proxmox generates token secrets as UUIDs. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** crypt(3) hashes cloud-init and Talos accept: SHA-512/256 crypt, yescrypt, bcrypt. */
const CRYPT_HASH = /^\$(?:6|5|y|2[aby])\$[^\s]+$/;
const SSH_PUBLIC_KEY =
  /^(?:ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(?:256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,3}(?: [^\n]*)?$/;

/**
 * The secrets of one environment (`secrets/<env>.enc.yaml`). Messages describe the expected shape and never
 * the value: they are printed, and the value is a secret.
 */
export const secretsSchema = z
  .object({
    proxmox: z.object({
      tokenId: notPlaceholder(
        z.string().regex(PROXMOX_TOKEN_ID, {
          message: 'expected a Proxmox API token id like "infra@pve!build" (user@realm!name)',
        }),
      ),
      tokenSecret: notPlaceholder(
        z.string().regex(UUID, {
          message: 'expected the token secret Proxmox showed when the token was created (a UUID)',
        }),
      ),
    }),
    admin: z.object({
      username: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, {
        message: 'expected a Linux user name (lower case, at most 32 characters)',
      }),
      passwordHash: notPlaceholder(
        z.string().regex(CRYPT_HASH, {
          message:
            'expected a crypt(3) hash such as $6$... (`mkpasswd -m sha-512`), never the password itself',
        }),
      ),
      sshPublicKeys: z
        .array(
          notPlaceholder(
            z.string().regex(SSH_PUBLIC_KEY, {
              message: 'expected an OpenSSH public key line (ssh-ed25519 AAAA... comment)',
            }),
          ),
        )
        .min(1, { message: 'expected at least one SSH public key' }),
    }),
    talos: z
      .object({
        /** `talosctl gen secrets` output (cluster CA, tokens): keeps machine configs stable across rebuilds. */
        secretsBundle: z.string().optional(),
        /** talosconfig with the client certificate for talosctl. */
        talosconfig: z.string().optional(),
      })
      .loose()
      .optional(),
    kubeconfig: z.string().optional(),
    /** The deploy stage (`@infra/deploy`): OpenTofu state encryption and remote-backend credentials. */
    tofu: z
      .object({
        /** pbkdf2 passphrase of the state/plan encryption (OpenTofu wants at least 16 characters). */
        statePassphrase: notPlaceholder(
          z
            .string()
            .min(16, { message: 'expected a passphrase of at least 16 characters (OpenTofu pbkdf2)' }),
        ),
        /** `pg` backend: `postgres://user:password@host:5432/db?sslmode=verify-full` (PG_CONN_STR). */
        pgConnStr: z
          .string()
          .regex(/^postgres(?:ql)?:\/\//, { message: 'expected a postgres:// connection URL' })
          .optional(),
        /** `s3` backend (any S3-compatible store): the access key pair (AWS_ACCESS_KEY_ID/SECRET_ACCESS_KEY). */
        s3: z.object({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1) }).optional(),
      })
      .optional(),
  })
  .loose();

export type Secrets = z.infer<typeof secretsSchema>;

/**
 * Field-level problems as "<file>: <key path>: <what is expected>". Built from the issue's path and the
 * schema's own message, never from the input.
 */
export function describeSecretsIssues(
  file: string,
  issues: readonly z.core.$ZodIssue[],
  data: unknown,
): string[] {
  return issues.map((issue) => {
    const where = issue.path
      .map((part) => (typeof part === 'number' ? `[${part}]` : String(part)))
      .join('.')
      .replace(/\.\[/g, '[');
    return `${file}: ${where || '(top level)'}: ${issueText(issue, valueAt(data, issue.path) === undefined)}`;
  });
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let node: unknown = data;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function issueText(issue: z.core.$ZodIssue, missing: boolean): string {
  switch (issue.code) {
    case 'invalid_type':
      return missing ? `is required (${issue.expected})` : `expected ${issue.expected}`;
    case 'unrecognized_keys':
      return `unknown keys ${issue.keys.join(', ')}`;
    default:
      // Our own messages (regex, refine, min) only describe the expected shape.
      return issue.message;
  }
}

/** A template for a new environment's secrets file; every value is a placeholder to replace. */
export function secretsTemplate(): Secrets {
  return {
    proxmox: { tokenId: `infra@pve!${PLACEHOLDER}`, tokenSecret: PLACEHOLDER },
    admin: { username: 'admin', passwordHash: PLACEHOLDER, sshPublicKeys: [`ssh-ed25519 ${PLACEHOLDER}`] },
  };
}

/**
 * Paths whose values are identifiers, not secrets. They are not registered for redaction: masking a user name
 * like "root" in every log line (and every /root path) would hide more than it protects.
 */
export const PUBLIC_SECRET_PATHS: readonly string[] = [
  'proxmox.tokenId',
  'admin.username',
  'admin.sshPublicKeys',
];
