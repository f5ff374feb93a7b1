import { InfraError, type Logger } from '@infra/core';
import { z } from 'zod';
import type { AuthOptions } from './auth';
import type { ProxmoxErrorCode } from './errors';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry';
import type { TlsOptions } from './tls';

/** One request as it goes on the wire: for contract checks and debugging (secrets are in headers, not here). */
export interface RequestInfo {
  method: string;
  /** Concrete API path, e.g. `/nodes/pve/qemu`. */
  path: string;
  /** The operation key, e.g. `POST /nodes/{node}/qemu`. */
  operation: string;
  /** Query or body parameters exactly as sent (repeated keys as arrays). */
  params: Record<string, string | string[]>;
  attempt: number;
}

export interface ProxmoxClientOptions {
  /** `https://pve.lan:8006` (a path, if any, is ignored). */
  endpoint: string;
  auth: AuthOptions;
  tls?: TlsOptions;
  /** Per HTTP request (not per task). Default 30 s: pveproxy itself gives up on proxied calls after 30 s. */
  timeoutMs?: number;
  /** Keep-alive connections to the endpoint. Default 6. */
  maxConnections?: number;
  /** Requests in flight at once. Default 8. */
  maxConcurrency?: number;
  retry?: { [K in keyof RetryPolicy]?: RetryPolicy[K] | undefined };
  /** Check each request against the PVE 9.0 schema before sending it (default true). */
  validateRequests?: boolean;
  onRequest?: (info: RequestInfo) => void;
  logger?: Logger;
}

const optionsSchema = z.object({
  endpoint: z.url({ protocol: /^https?$/ }),
  auth: z.discriminatedUnion('type', [
    z.object({ type: z.literal('token'), tokenId: z.string().min(1), secret: z.string() }),
    z.object({
      type: z.literal('ticket'),
      username: z.string().min(1),
      password: z.string(),
      realm: z.string().optional(),
      renewAfterMs: z
        .number()
        .int()
        .positive()
        .max(2 * 3600_000)
        .optional(),
    }),
  ]),
  tls: z
    .object({
      fingerprint: z.string().optional(),
      caFile: z.string().optional(),
      ca: z.string().optional(),
      insecure: z.boolean().optional(),
    })
    .optional(),
  timeoutMs: z.number().int().positive().default(30_000),
  maxConnections: z.number().int().min(1).max(256).default(6),
  maxConcurrency: z.number().int().min(1).max(1024).default(8),
  retry: z
    .object({
      getAttempts: z.number().int().min(1),
      writeAttempts: z.number().int().min(1),
      lockAttempts: z.number().int().min(1),
      baseDelayMs: z.number().min(0),
      maxDelayMs: z.number().min(0),
      lockBaseDelayMs: z.number().min(0),
    })
    .partial()
    .optional(),
  validateRequests: z.boolean().default(true),
});

export interface ResolvedOptions {
  endpoint: string;
  origin: string;
  auth: AuthOptions;
  tls: TlsOptions;
  timeoutMs: number;
  maxConnections: number;
  maxConcurrency: number;
  retry: RetryPolicy;
  validateRequests: boolean;
}

export function resolveOptions(options: ProxmoxClientOptions): ResolvedOptions {
  const { onRequest: _onRequest, logger: _logger, ...plain } = options;
  const parsed = optionsSchema.safeParse(plain);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.');
    throw new InfraError<ProxmoxErrorCode>(
      'PVE_CLIENT_OPTIONS_INVALID',
      `Proxmox client option ${field || '(root)'}: ${issue.message}`,
      {
        hint: 'endpoint is https://<host>:8006; auth is {type:"token",tokenId,secret} or {type:"ticket",username,password}',
      },
    );
  }
  const value = parsed.data;
  const url = new URL(value.endpoint);
  if (url.protocol !== 'https:') {
    throw new InfraError<ProxmoxErrorCode>(
      'PVE_CLIENT_OPTIONS_INVALID',
      `Proxmox endpoint ${value.endpoint} is not https`,
      {
        hint: 'Proxmox VE serves its API only over HTTPS on port 8006',
      },
    );
  }
  return {
    endpoint: value.endpoint,
    origin: url.origin,
    auth: value.auth as AuthOptions,
    tls: value.tls ?? {},
    timeoutMs: value.timeoutMs,
    maxConnections: value.maxConnections,
    maxConcurrency: value.maxConcurrency,
    retry: withDefaults(DEFAULT_RETRY_POLICY, value.retry),
    validateRequests: value.validateRequests,
  };
}

/** `defaults` with every field `partial` sets; a field present but undefined keeps its default. */
function withDefaults<T extends object>(defaults: T, partial: { [K in keyof T]?: T[K] | undefined } = {}): T {
  const result = { ...defaults };
  for (const key of Object.keys(partial) as (keyof T)[]) {
    const value = partial[key];
    if (value !== undefined) result[key] = value;
  }
  return result;
}
