import { InfraError, registerSecret } from '@infra/core';
import { type ProxmoxErrorCode, PveAuthError } from './errors';

/**
 * API token (stateless, no CSRF token) or ticket (cookie + CSRFPreventionToken on writes). Tickets live 2 h;
 * this renews after `renewAfterMs` (default 1 h, like proxmoxer) by posting the current ticket as password,
 * and falls back to a full login when renewal is refused.
 */
export type AuthOptions =
  | { type: 'token'; tokenId: string; secret: string }
  | { type: 'ticket'; username: string; password: string; realm?: string; renewAfterMs?: number };

export interface TicketReply {
  ticket?: string | undefined;
  CSRFPreventionToken?: string | undefined;
  username: string;
}

/** Performs POST /access/ticket without authentication. */
export type LoginFn = (params: {
  username: string;
  password: string;
  realm?: string;
}) => Promise<TicketReply>;

export interface Authenticator {
  readonly kind: 'token' | 'ticket';
  headersFor(method: string): Promise<Record<string, string>>;
  /** After a 401: true when fresh credentials were obtained and the (rejected, so unexecuted) request may be resent. */
  recoverFromUnauthorized(): Promise<boolean>;
}

const TOKEN_ID = /^[^\s:/]+@[A-Za-z][A-Za-z0-9.\-_]+![A-Za-z][A-Za-z0-9.\-_]+$/;
export const TICKET_LIFETIME_MS = 2 * 3600_000;

export function tokenAuthenticator(tokenId: string, secret: string): Authenticator {
  if (!TOKEN_ID.test(tokenId)) {
    throw new InfraError<ProxmoxErrorCode>(
      'PVE_TOKEN_ID_INVALID',
      `"${tokenId}" is not a Proxmox API token id`,
      {
        hint: 'a token id is USER@REALM!TOKENNAME, e.g. infra@pve!build',
      },
    );
  }
  if (!secret)
    throw new InfraError<ProxmoxErrorCode>(
      'PVE_TOKEN_SECRET_MISSING',
      `the secret of API token ${tokenId} is empty`,
      {
        hint: 'put the token secret (a UUID) into the environment’s SOPS file',
      },
    );
  registerSecret(secret);
  const header = `PVEAPIToken=${tokenId}=${secret}`;
  return {
    kind: 'token',
    headersFor: async () => ({ authorization: header }),
    recoverFromUnauthorized: async () => false,
  };
}

interface TicketState {
  ticket: string;
  csrf: string;
  obtainedAt: number;
}

export function ticketAuthenticator(
  options: { username: string; password: string; realm?: string; renewAfterMs?: number },
  login: LoginFn,
  now: () => number = Date.now,
): Authenticator {
  registerSecret(options.password);
  const renewAfter = options.renewAfterMs ?? 3600_000;
  let state: TicketState | undefined;
  let inFlight: Promise<TicketState> | undefined;

  const accept = (reply: TicketReply): TicketState => {
    if (!reply.ticket || !reply.CSRFPreventionToken) {
      throw new InfraError<ProxmoxErrorCode>(
        'PVE_AUTH_FAILED',
        `login as ${options.username} returned no ticket`,
        {
          hint: 'two-factor authentication is not supported here; use an API token instead',
        },
      );
    }
    registerSecret(reply.ticket);
    registerSecret(reply.CSRFPreventionToken);
    return { ticket: reply.ticket, csrf: reply.CSRFPreventionToken, obtainedAt: now() };
  };

  const fullLogin = async () =>
    accept(
      await login({
        username: options.username,
        password: options.password,
        ...(options.realm ? { realm: options.realm } : {}),
      }),
    );

  const refresh = async (): Promise<TicketState> => {
    const current = state;
    if (current && now() - current.obtainedAt < TICKET_LIFETIME_MS - 60_000) {
      try {
        return accept(await login({ username: options.username, password: current.ticket }));
      } catch (error) {
        if (!(error instanceof PveAuthError)) throw error;
      }
    }
    return fullLogin();
  };

  // Single flight: concurrent requests share one login instead of each starting their own.
  const ensure = async (force: boolean): Promise<TicketState> => {
    if (!force && state && now() - state.obtainedAt < renewAfter) return state;
    inFlight ??= (force ? fullLogin() : refresh()).finally(() => {
      inFlight = undefined;
    });
    state = await inFlight;
    return state;
  };

  return {
    kind: 'ticket',
    async headersFor(method) {
      const s = await ensure(false);
      const headers: Record<string, string> = { cookie: `PVEAuthCookie=${s.ticket}` };
      if (method !== 'GET') headers.csrfpreventiontoken = s.csrf;
      return headers;
    },
    async recoverFromUnauthorized() {
      state = undefined;
      await ensure(true);
      return true;
    },
  };
}

export function createAuthenticator(options: AuthOptions, login: LoginFn, now?: () => number): Authenticator {
  return options.type === 'token'
    ? tokenAuthenticator(options.tokenId, options.secret)
    : ticketAuthenticator(options, login, now);
}
