import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { InfraError } from '@infra/core';
import type { GpuHostErrorCode } from './error-codes';
import type { PlanOptionsInput } from './plan/options';

/** The config's `gpu` section (@infra/config), as far as this tool reads it. */
export interface GpuConfig {
  selector?:
    | { vendor?: string | undefined; class?: string | undefined; address?: string | undefined }
    | undefined;
  mapping?: string | undefined;
  iommuPassthrough?: boolean | undefined;
  host?:
    | { ssh?: string | undefined; identityFile?: string | undefined; knownHostsFile?: string | undefined }
    | undefined;
}

/** Command-line flags that override the config. */
export interface GpuHostFlags {
  host?: string;
  local?: boolean;
  identity?: string;
  knownHosts?: string;
  root?: string;
  select?: string;
  iommuPt?: boolean;
  disableVga?: boolean;
}

export type HostTarget =
  | { kind: 'local'; root?: string }
  | { kind: 'ssh'; target: string; identityFile?: string; knownHostsFile?: string; root?: string };

export interface GpuHostSettings {
  plan: PlanOptionsInput;
  /** undefined when neither flags nor config name a host. */
  host: HostTarget | undefined;
}

/** `~/x` → home, relative → against `base` (the repo root for config values, the cwd for flags). */
export function expandPath(path: string, base: string): string {
  if (path === '~' || path.startsWith('~/')) return `${homedir()}${path.slice(1)}`;
  return isAbsolute(path) ? path : resolve(base, path);
}

/**
 * Flags win over the config. The host is never guessed: --local, --host, or gpu.host.ssh must name it, so a
 * forgotten flag cannot rewrite the boot configuration of the machine the command happens to run on.
 */
export function resolveSettings(
  gpu: GpuConfig | undefined,
  flags: GpuHostFlags,
  dirs: { repoRoot: string; cwd: string },
): GpuHostSettings {
  if (flags.local && flags.host) {
    throw new InfraError<GpuHostErrorCode>('USAGE', '--local and --host exclude each other', {
      hint: 'use --local on the Proxmox host itself, --host user@host from elsewhere',
    });
  }
  const selector = { ...gpu?.selector, ...(flags.select ? { address: flags.select } : {}) };
  const plan: PlanOptionsInput = {
    selector,
    iommuPassthrough: flags.iommuPt ?? gpu?.iommuPassthrough ?? false,
    disableVga: flags.disableVga ?? false,
  };
  const root = flags.root ? expandPath(flags.root, dirs.cwd) : undefined;
  const fromFlag = (value: string | undefined) => (value ? expandPath(value, dirs.cwd) : undefined);
  const fromConfig = (value: string | undefined) => (value ? expandPath(value, dirs.repoRoot) : undefined);
  let host: HostTarget | undefined;
  if (flags.local) {
    host = { kind: 'local', ...(root ? { root } : {}) };
  } else if (flags.host || gpu?.host?.ssh) {
    const identityFile = fromFlag(flags.identity) ?? fromConfig(gpu?.host?.identityFile);
    const knownHostsFile = fromFlag(flags.knownHosts) ?? fromConfig(gpu?.host?.knownHostsFile);
    host = {
      kind: 'ssh',
      target: (flags.host ?? gpu?.host?.ssh)!,
      ...(identityFile ? { identityFile } : {}),
      ...(knownHostsFile ? { knownHostsFile } : {}),
      ...(root ? { root } : {}),
    };
  }
  return { plan, host };
}
