import { MUTATING } from '@infra/proxmox-connect';
import type { Connection } from './connect';
import type { GoldenResult } from './golden/stage';
import type { ApiStep } from './plan';

/** What every build reports, for every OS (built once, in `build.ts`). */
export interface BuildResult {
  status: 'up-to-date' | 'built' | 'dry-run';
  environment: string;
  os: string;
  node: string;
  /** The base: its fingerprint and name, and the template's VMID (absent for an ISO OS, whose base is media). */
  fingerprint: string;
  vmid?: number;
  name: string;
  /** An ISO OS's base: the install media volumes (`<storage>:iso/<file>.iso`) the golden stage boots. */
  media?: string[];
  /** The recipe's identity (Talos: schematicId, talosVersion, …; cloud images: version). */
  identity: Record<string, string>;
  /** The image the base template is (or would be) made from. */
  sourceUrl?: string;
  /** The build run's id (its marker tag is `infra-run-<id>` while it builds). */
  runId: string;
  /** The Proxmox API calls (dry run: would make; build: made), in order. */
  steps: Array<Pick<ApiStep, 'kind' | 'title' | 'method' | 'path' | 'params'>>;
  /** The golden stage, for recipes that have one. */
  golden?: GoldenResult;
  proxmoxRequests: { total: number; mutating: number };
  durationMs: number;
  warnings: string[];
}

/** Counts the Proxmox requests (all, and changing ones) a connection sends from now on. */
export function requestCounter(
  connection: Pick<Connection, 'requests'>,
): () => BuildResult['proxmoxRequests'] {
  const before = connection.requests.length;
  return () => {
    const made = connection.requests.slice(before);
    return { total: made.length, mutating: made.filter((r) => MUTATING.has(r.method)).length };
  };
}

/** The steps as reported in a result (without the executor's bookkeeping fields). */
export const reportedSteps = (steps: readonly ApiStep[]): BuildResult['steps'] =>
  steps.map(({ kind, title, method, path, params }) => ({ kind, title, method, path, params }));

export function formatBuildResult(result: BuildResult): string {
  const where = result.media ? `install media ${result.media.join(', ')}` : `VM ${result.vmid}`;
  const head = `${result.name} (${where}) on ${result.node} · fingerprint ${result.fingerprint.slice(0, 16)}…`;
  const requests = `${result.proxmoxRequests.total} Proxmox requests (${result.proxmoxRequests.mutating} changing) in ${(result.durationMs / 1000).toFixed(2)} s`;
  const golden =
    result.golden === undefined
      ? []
      : [
          result.golden.status === 'skipped'
            ? `golden template: not built (${result.golden.reason})`
            : `golden template: VM ${result.golden.vmid} (${result.golden.status === 'built' ? `packer build from ${result.golden.baseVmid === undefined ? 'the install media' : `base VM ${result.golden.baseVmid}`}` : 'up to date'})`,
        ];
  if (result.status === 'up-to-date')
    return [`up to date: ${head}`, `nothing to do; ${requests}`, ...golden].join('\n');
  if (result.status === 'built')
    return [`built: ${head}`, `${result.steps.length} steps; ${requests}`, ...golden].join('\n');
  const calls = result.steps.map((s, i) => {
    const params = Object.entries(s.params)
      .map(([k, v]) => `    ${k}=${String(v)}`)
      .join('\n');
    return `${i + 1}. ${s.method} /api2/json${s.path}   # ${s.title}${params ? `\n${params}` : ''}`;
  });
  return [`dry run: ${head}`, 'would call:', ...calls].join('\n');
}
