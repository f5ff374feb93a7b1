import { createHash } from 'node:crypto';
import type { PermissionSpec } from '@infra/pve-api';
import type { Caller, Permissions } from './auth/permissions';
import type { FaultInjector } from './faults';
import type { Params } from './http/params';
import type { LockManager } from './locks';
import type { Rng } from './rng';
import type { SimState } from './state/schema';
import type { StateStore } from './state/store';
import type { TaskRunner } from './tasks/runner';
import type { TlsMaterial } from './tls';

/** How long things take. Defaults are short for tests; PVE's real values are noted per field. */
export interface Timing {
  /** Minimum duration of every worker task (default 200 ms). */
  taskMs: number;
  /** Overrides every lock wait (PVE: 5 s for create, 1 s for a clone target, 10 s otherwise). */
  lockTimeoutMs?: number;
  /** How long a new VM shows as `status: unknown` without name in /cluster/resources (PVE: ~10 s of RRD lag). */
  rrdLagMs: number;
  /** Time from VM start until its guest agent answers (default 1 s). */
  agentBootMs: number;
  /** Delay of every 401 (PVE: 3000 ms; default 0 to keep tests fast). */
  authFailureDelayMs: number;
  ticketLifetimeSeconds: number;
}

/** A VM as the guest-agent hook sees it. */
export interface GuestInfo {
  vmid: number;
  node: string;
  name: string | undefined;
  /** MAC of net0 (lowercase), as the guest's eth0 shows it. */
  mac: string | undefined;
}

/** One address of eth0, as `network-get-interfaces` reports it. */
export interface GuestAddress {
  ip: string;
  prefix: number;
  type?: 'ipv4' | 'ipv6';
}

/**
 * Decides what the guest agent of a running VM reports on eth0. Pluggable so that a companion simulator can
 * give each VM an address it really listens on (the Talos simulator serves one 127.0.0.x per Talos VM).
 * Called on every agent request; return the same answer for the same VM.
 */
export type GuestAddressHook = (vm: GuestInfo) => readonly GuestAddress[];

/** A stable fake 10.0.x.y/24 per VMID, so agent answers repeat across runs. */
export const defaultGuestAddresses: GuestAddressHook = (vm) => {
  const h = createHash('sha1').update(String(vm.vmid)).digest();
  return [{ ip: `10.0.${h[0]! % 250}.${(h[1]! % 240) + 10}`, prefix: 24 }];
};

export interface SimCore {
  readonly store: StateStore;
  readonly tasks: TaskRunner;
  readonly locks: LockManager;
  readonly faults: FaultInjector;
  readonly perms: Permissions;
  readonly rng: Rng;
  readonly timing: Timing;
  readonly tls: TlsMaterial;
  readonly guestAddresses: GuestAddressHook;
}

export interface RequestContext {
  readonly core: SimCore;
  readonly state: SimState;
  readonly method: string;
  /** The path after /api2/json, e.g. `/nodes/pve/qemu/100/config`. */
  readonly path: string;
  readonly template: string;
  /** Query/body parameters merged with the path parameters. */
  readonly params: Params;
  readonly caller: Caller;
}

export interface HandlerResult {
  data: unknown;
  /** Added to the envelope when set (task log line count). */
  total?: number;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  template: string;
  handler(ctx: RequestContext): Promise<HandlerResult> | HandlerResult;
  /** Only for endpoints the official table (`@infra/pve-api`) does not carry; otherwise the table's are used. */
  permissions?: PermissionSpec;
  allowtoken?: boolean;
  /** `POST /access/ticket`: no authentication. */
  public?: boolean;
}

export const ok = (data: unknown, total?: number): HandlerResult =>
  total === undefined ? { data } : { data, total };
