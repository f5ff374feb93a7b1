import type { IncomingHttpHeaders } from 'node:http';
import { authError } from '../errors';
import type { SimState } from '../state/schema';
import { tokenSecretMatches } from './accounts';
import type { Caller } from './permissions';
import { verifyCsrfToken, verifyTicket } from './tickets';

function safeUnescape(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function cookieTicket(headers: IncomingHttpHeaders): string | undefined {
  const cookie = headers.cookie;
  if (!cookie) return undefined;
  const m = /(?:^|;\s*)PVEAuthCookie=([^;]*)/.exec(cookie);
  return m ? safeUnescape(m[1]!) : undefined;
}

function checkUser(state: SimState, userid: string): void {
  const user = state.users[userid];
  if (!user) throw authError(`user '${userid}' does not exist`);
  if (!user.enable) throw authError(`user '${userid}' is disabled`);
  if (user.expire > 0 && user.expire < Date.now() / 1000) throw authError(`account expired`);
}

/** PVE::AccessControl::verify_token, with its die texts (they end up on the 401 status line). */
function verifyApiToken(state: SimState, value: string): Caller {
  if (!value) throw authError('no token value specified');
  const m = /^(.*)=(.*)$/.exec(value);
  if (!m?.[1]) throw authError('no tokenid specified');
  const tokenId = m[1];
  const split = /^(.+)!([^!]+)$/.exec(tokenId);
  if (!split || !split[1]!.includes('@'))
    throw authError(`'${tokenId}' is not a valid token ID - not able to split into user and token parts`);
  const [userid, tokenName] = [split[1]!, split[2]!];
  checkUser(state, userid);
  const token = state.tokens[tokenId];
  if (!token) throw authError(`no such token '${tokenName}' for user '${userid}'`);
  if (token.expire > 0 && token.expire < Date.now() / 1000)
    throw authError(`token '${tokenName}' access expired`);
  if (!tokenSecretMatches(token.secretHash, m[2]!)) throw authError('invalid token value!');
  return { authId: tokenId, userid, tokenName, via: 'token' };
}

/**
 * Finds the caller as pve-http-server does: the PVEAuthCookie cookie wins, then `Authorization:
 * PVEAuthCookie=…`, then `Authorization: PVEAPIToken=…`. Tickets need a valid CSRFPreventionToken header on
 * every non-GET request; tokens never do. Failures are 401 with PVE's message.
 */
export function authenticate(
  method: string,
  headers: IncomingHttpHeaders,
  state: SimState,
  options: { ticketLifetimeSeconds: number },
): Caller {
  const authorization = headers.authorization ?? '';
  const ticket =
    cookieTicket(headers) ?? /(?:^|\s)PVEAuthCookie=([^;\s]*)/.exec(authorization)?.[1] ?? undefined;
  if (ticket !== undefined) {
    const userid = verifyTicket(state.secrets.ticketKey, safeUnescape(ticket), options.ticketLifetimeSeconds);
    if (!userid) throw authError('permission denied - invalid PVE ticket');
    checkUser(state, userid);
    if (method !== 'GET') {
      const csrf = headers.csrfpreventiontoken;
      const token = Array.isArray(csrf) ? csrf[0] : csrf;
      if (!token || !verifyCsrfToken(state.secrets.csrfKey, userid, token, options.ticketLifetimeSeconds)) {
        throw authError('Permission denied - invalid csrf token');
      }
    }
    return { authId: userid, userid, via: 'ticket' };
  }
  const token = /(?:^|\s)PVEAPIToken(?:=| )([^;]*)/.exec(authorization);
  if (token) return verifyApiToken(state, safeUnescape(token[1]!.trim()));
  throw authError('No ticket');
}
