import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * scripts/platform.ts on the real tree with the real Helm: what `render` prints is what Talos and Flux get,
 * and usage errors exit 2. (The validators behind `validate` are tested in libs/validators.)
 */
const repoRoot = resolve(import.meta.dirname, '..');
const tsx = join(repoRoot, 'node_modules', '.bin', 'tsx');
const run = (...args: string[]) =>
  execa(tsx, [join(repoRoot, 'scripts', 'platform.ts'), ...args], {
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: '1' },
    reject: false,
  });

describe('scripts/platform.ts', () => {
  it('render --json: each component, and the inlineManifests patch with the RuntimeClass before the chart', async () => {
    const result = await run('render', '--json');
    expect(result.stderr).not.toMatch(/TOOL_MISSING|PLATFORM_CHART/);
    expect(result.exitCode).toBe(0);
    const entries = JSON.parse(result.stdout) as { name: string; delivery: string; text: string }[];
    expect(entries.map((e) => e.name)).toEqual([
      'flux',
      'gpu-smoke',
      'jellyfin',
      'nvidia-device-plugin',
      'nvidia-runtime',
      'ollama',
      'cluster.inlineManifests',
    ]);
    const patch = parse(entries.at(-1)!.text) as {
      cluster: { inlineManifests: { name: string; contents: string }[] };
    };
    expect(patch.cluster.inlineManifests.map((m) => m.name)).toEqual([
      'nvidia-runtime',
      'nvidia-device-plugin',
    ]);
    expect(patch.cluster.inlineManifests[1]!.contents).toMatch(
      /kind: DaemonSet[\s\S]*runtimeClassName: nvidia/,
    );
  }, 120_000);

  it('rejects an unknown component and a bad option', async () => {
    const unknown = await run('render', 'plex');
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toMatch(/no component plex under kubernetes\/ \[PLATFORM_COMPONENT_NOT_FOUND\]/);
    const usage = await run('diff', '--nope');
    expect(usage.exitCode).toBe(2);
    expect(usage.stderr).toMatch(/usage: platform\.ts diff/);
  }, 60_000);
});
