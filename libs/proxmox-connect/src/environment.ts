import { join } from 'node:path';
import type { Environment } from '@infra/config';

/**
 * The parts of an `Environment` (@infra/config) needed to reach its Proxmox API. Structural, so callers with a
 * narrower object (tests, other tools) need not build a whole Environment.
 */
export interface ProxmoxEnvironment {
  name: string;
  repoRoot: string;
  proxmox: {
    /** `https://host:8006`, or `embedded` for the in-process simulator. */
    endpoint: string;
    node: string;
    tls: { fingerprint?: string | undefined; caFile?: string | undefined; insecure?: boolean | undefined };
  };
  /** Absolute path of the environment's SOPS file. */
  secrets: string;
  ageKeyFile?: string | undefined;
  /** The image catalog; with `imageMirror: embedded` on an embedded endpoint it is served by the image mirror. */
  images?: Environment['images'] | undefined;
  imageMirror?: 'embedded' | undefined;
}

/** HTTP methods that change something on Proxmox; a run that sends none of them changed nothing. */
export const MUTATING = new Set(['POST', 'PUT', 'DELETE']);

/** Where the embedded simulators keep their state (persisted between runs, like a long-lived host). */
export const simStateDir = (environment: Pick<ProxmoxEnvironment, 'repoRoot'>) =>
  join(environment.repoRoot, '.infra', 'sim');

export const isEmbedded = (environment: Pick<ProxmoxEnvironment, 'proxmox'>) =>
  environment.proxmox.endpoint === 'embedded';
