import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Tickets and CSRF tokens in PVE's formats:
 *   ticket `PVE:<userid>:<8 hex timestamp>::<base64 signature>` (PVE signs with RSA; the simulator with
 *   HMAC-SHA256 — clients treat the signature as opaque), lifetime 2 h;
 *   CSRF `<8 hex timestamp>:<base64 hmac-sha256>`, bound to the user.
 */
export const TICKET_LIFETIME_SECONDS = 2 * 3600;
const CLOCK_SKEW_SECONDS = 300;

const hex8 = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');

function sign(key: string, text: string): string {
  return createHmac('sha256', Buffer.from(key, 'hex')).update(text).digest('base64');
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function createTicket(key: string, userid: string, now = Date.now()): string {
  const plain = `PVE:${userid}:${hex8(Math.floor(now / 1000))}`;
  return `${plain}::${sign(key, plain)}`;
}

/** The user id of a valid, unexpired ticket, else null. */
export function verifyTicket(
  key: string,
  ticket: string,
  lifetimeSeconds = TICKET_LIFETIME_SECONDS,
  now = Date.now(),
): string | null {
  const m = /^(PVE:([^:\s]+):([0-9A-F]{8}))::(.+)$/.exec(ticket);
  if (!m) return null;
  if (!same(sign(key, m[1]!), m[4]!)) return null;
  const age = Math.floor(now / 1000) - Number.parseInt(m[3]!, 16);
  if (age < -CLOCK_SKEW_SECONDS || age > lifetimeSeconds) return null;
  return m[2]!;
}

export function createCsrfToken(key: string, userid: string, now = Date.now()): string {
  const ts = hex8(Math.floor(now / 1000));
  return `${ts}:${sign(key, `${ts}:${userid}`).replace(/=+$/, '')}`;
}

export function verifyCsrfToken(
  key: string,
  userid: string,
  token: string,
  lifetimeSeconds = TICKET_LIFETIME_SECONDS,
  now = Date.now(),
): boolean {
  const m = /^([0-9A-F]{8}):(\S+)$/.exec(token);
  if (!m) return false;
  if (!same(sign(key, `${m[1]}:${userid}`).replace(/=+$/, ''), m[2]!)) return false;
  const age = Math.floor(now / 1000) - Number.parseInt(m[1]!, 16);
  return age >= -CLOCK_SKEW_SECONDS && age <= lifetimeSeconds;
}
