import { InfraError } from '@infra/core';

/**
 * A Proxmox task id: `UPID:node:PID:PSTART:STARTTIME:type:id:user:` (pve-common upid_encode; hex fields upper
 * case, pstart may have 9 digits, id may be empty, user may be a token id with `!`).
 */
export interface Upid {
  upid: string;
  node: string;
  pid: number;
  pstart: number;
  /** Epoch seconds. */
  starttime: number;
  type: string;
  /** The task's object id (e.g. the source vmid for qmclone); Proxmox %-escapes `:` and control characters. */
  id: string;
  /** `user@realm`, without the token part. */
  user: string;
  /** The token name when a token started the task (`root@pam!ci` → `ci`). */
  tokenid?: string;
}

const UPID =
  /^UPID:([a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$/;

export function isUpid(value: unknown): value is string {
  return typeof value === 'string' && UPID.test(value);
}

export function parseUpid(value: string): Upid {
  const m = UPID.exec(value);
  if (!m) {
    throw new InfraError(
      'PVE_UPID_INVALID',
      `not a Proxmox task id (UPID): ${JSON.stringify(value).slice(0, 120)}`,
      {
        hint: 'a UPID looks like UPID:pve:0001A2B3:00C4D5E6:68920F3A:qmcreate:9000:root@pam:',
      },
    );
  }
  const [, node, pid, pstart, starttime, type, id, userField] = m as unknown as string[];
  const bang = userField!.indexOf('!');
  const upid: Upid = {
    upid: value,
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

/** Undoes pve-common encode_text (`%XX` for `:`, `%` and control characters). */
function decodeTaskId(id: string): string {
  return id.replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** `OK` and `WARNINGS: n` are success; anything else is the failure text. */
export function isTaskSuccess(exitstatus: string | undefined): boolean {
  return exitstatus === 'OK' || /^WARNINGS: \d+$/.test(exitstatus ?? '');
}
