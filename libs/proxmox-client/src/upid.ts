import { InfraError } from '@infra/core';
import { decodeUpid, type Upid } from '@infra/pve-api';
import type { ProxmoxErrorCode } from './errors';

/** A decoded task id plus the text it came from. The codec itself lives in `@infra/pve-api`. */
export interface ParsedUpid extends Upid {
  upid: string;
}

/** Decodes a UPID the server returned, or fails with one clear error (a server that answers garbage). */
export function parseUpid(value: string): ParsedUpid {
  const decoded = decodeUpid(value);
  if (!decoded) {
    throw new InfraError<ProxmoxErrorCode>(
      'PVE_UPID_INVALID',
      `not a Proxmox task id (UPID): ${JSON.stringify(value).slice(0, 120)}`,
      {
        hint: 'a UPID looks like UPID:pve:0001A2B3:00C4D5E6:68920F3A:qmcreate:9000:root@pam:',
      },
    );
  }
  return { upid: value, ...decoded };
}

/** `OK` and `WARNINGS: n` are success; anything else is the failure text. */
export function isTaskSuccess(exitstatus: string | undefined): boolean {
  return exitstatus === 'OK' || /^WARNINGS: \d+$/.test(exitstatus ?? '');
}
