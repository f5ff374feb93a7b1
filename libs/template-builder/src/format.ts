import type { BuildResult } from './talos/build';

/** What every build result (Talos, cloud image) has in common for the human summary. */
export type BuildSummary = Pick<
  BuildResult,
  'status' | 'name' | 'vmid' | 'node' | 'fingerprint' | 'steps' | 'proxmoxRequests' | 'durationMs'
>;

export function formatBuildResult(result: BuildSummary): string {
  const head = `${result.name} (VM ${result.vmid}) on ${result.node} · fingerprint ${result.fingerprint.slice(0, 16)}…`;
  const requests = `${result.proxmoxRequests.total} Proxmox requests (${result.proxmoxRequests.mutating} changing) in ${(result.durationMs / 1000).toFixed(2)} s`;
  if (result.status === 'up-to-date') return `up to date: ${head}\nnothing to do; ${requests}`;
  if (result.status === 'built') return `built: ${head}\n${result.steps.length} steps; ${requests}`;
  const calls = result.steps.map((s, i) => {
    const params = Object.entries(s.params)
      .map(([k, v]) => `    ${k}=${String(v)}`)
      .join('\n');
    return `${i + 1}. ${s.method} /api2/json${s.path}   # ${s.title}${params ? `\n${params}` : ''}`;
  });
  return [`dry run: ${head}`, 'would call:', ...calls].join('\n');
}
