/**
 * UPIDs exactly as pve-common's upid_encode prints them:
 *   UPID:<node>:<pid %08X>:<pstart %08X>:<starttime %08X>:<type>:<id>:<user>:
 * The id goes through encode_text (control, space, high-bit characters, `:` and `%` become `\xNN`); the user
 * may be a token id containing `!`.
 */
export interface Upid {
  node: string;
  pid: number;
  pstart: number;
  starttime: number;
  type: string;
  id: string;
  user: string;
}

const UPID_RE =
  /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$/;

const hex8 = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');

export function encodeTaskId(id: string): string {
  let out = '';
  for (const c of id) {
    const code = c.charCodeAt(0);
    const special = code <= 0x20 || c === ':' || c === '%' || (code >= 0x7f && code <= 0xff);
    out += special ? `\\x${code.toString(16).padStart(2, '0')}` : c;
  }
  return out;
}

export function encodeUpid(upid: Upid): string {
  return `UPID:${upid.node}:${hex8(upid.pid)}:${hex8(upid.pstart)}:${hex8(upid.starttime)}:${upid.type}:${encodeTaskId(upid.id)}:${upid.user}:`;
}

export function decodeUpid(text: string): Upid | null {
  const m = UPID_RE.exec(text);
  if (!m) return null;
  return {
    node: m[1]!,
    pid: Number.parseInt(m[3]!, 16),
    pstart: Number.parseInt(m[4]!, 16),
    starttime: Number.parseInt(m[5]!, 16),
    type: m[6]!,
    id: m[7]!,
    user: m[8]!,
  };
}
