/**
 * The one UPID codec (Proxmox task ids), shared by the client and the simulator. The format is pve-common's
 * `upid_encode`/`upid_decode`:
 *   UPID:<node>:<pid %08X>:<pstart %08X>:<starttime %08X>:<type>:<id>:<user>:
 * The id goes through pve-common's `encode_text`, which is `uri_escape` with everything outside 0x20-0x39 and
 * 0x3b-0x7e unsafe: control characters, `:` and bytes >= 0x7f become `%XX` (upper-case hex, UTF-8 bytes).
 * pstart may have 9 hex digits on long-running hosts, the id may be empty, and the user field may be a token id
 * (`user@realm!token`).
 */
export interface Upid {
  node: string;
  pid: number;
  pstart: number;
  /** Epoch seconds. */
  starttime: number;
  type: string;
  /** The task's object id, decoded (e.g. the vmid for qmcreate, the file name for download). */
  id: string;
  /** `user@realm`, without the token part. */
  user: string;
  /** The token name when a token started the task (`root@pam!ci` -> `ci`). */
  tokenid?: string;
}

const UPID_PATTERN =
  /^UPID:([a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$/;

const hex8 = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');

/** pve-common `encode_text`: %-escapes control characters, `:` and every byte >= 0x7f of the UTF-8 form. */
export function encodeTaskId(id: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(id)) {
    const safe = (byte >= 0x20 && byte <= 0x39) || (byte >= 0x3b && byte <= 0x7e);
    out += safe ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** pve-common `decode_text`: `uri_unescape`, then UTF-8. */
export function decodeTaskId(id: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < id.length; i++) {
    const hex = id[i] === '%' ? id.slice(i + 1, i + 3) : '';
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...new TextEncoder().encode(id[i]));
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

export function encodeUpid(upid: Upid): string {
  const user = upid.tokenid === undefined ? upid.user : `${upid.user}!${upid.tokenid}`;
  return `UPID:${upid.node}:${hex8(upid.pid)}:${hex8(upid.pstart)}:${hex8(upid.starttime)}:${upid.type}:${encodeTaskId(upid.id)}:${user}:`;
}

export function isUpid(value: unknown): value is string {
  return typeof value === 'string' && UPID_PATTERN.test(value);
}

/** The decoded task id, or null when the text is not a UPID. */
export function decodeUpid(text: string): Upid | null {
  const m = UPID_PATTERN.exec(text);
  if (!m) return null;
  const [, node, pid, pstart, starttime, type, id, userField] = m as unknown as [string, ...string[]];
  const bang = userField!.indexOf('!');
  const upid: Upid = {
    node: node!,
    pid: Number.parseInt(pid!, 16),
    pstart: Number.parseInt(pstart!, 16),
    starttime: Number.parseInt(starttime!, 16),
    type: type!,
    id: decodeTaskId(id!),
    user: bang === -1 ? userField! : userField!.slice(0, bang),
  };
  if (bang !== -1) upid.tokenid = userField!.slice(bang + 1);
  return upid;
}
