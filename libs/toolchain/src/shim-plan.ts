import { dirname, join } from 'node:path';
import type { ToolSpec } from './manifest';
import type { CacheLayout } from './paths';
import type { ShimSpec } from './shim';
import { type Marker, resolveBin } from './store';

/** Where a tool's binaries come from once decided: an existing binary on PATH, or a cache install. */
export type Resolution =
  | { from: 'path'; binary: string; obtained: string }
  | { from: 'cache'; home: string; marker: Marker };

/** The shims one tool needs (none for providers, plugins and node). Pure: paths in, scripts' specs out. */
export function shimSpecsFor(spec: ToolSpec, resolution: Resolution, layout: CacheLayout): ShimSpec[] {
  const { recipe } = spec;
  if (recipe.kind === 'bootstrap' || recipe.kind === 'provider' || recipe.kind === 'packer-plugin') return [];
  const obtained = resolution.from === 'path' ? resolution.obtained : resolution.marker.method;
  const describe = `${spec.id} ${spec.version} (${obtained})`;
  const defaults: Record<string, string> = {};
  const pathDefaults: Record<string, string> = {};
  if (recipe.kind === 'go' && recipe.shimEnv === 'tofu') {
    pathDefaults.TF_CLI_CONFIG_FILE = layout.tofuCliConfig;
    defaults.CHECKPOINT_DISABLE = '1';
  }
  if (recipe.kind === 'go' && recipe.shimEnv === 'packer') {
    pathDefaults.PACKER_PLUGIN_PATH = layout.packerPluginDir;
    defaults.CHECKPOINT_DISABLE = '1';
  }
  if (recipe.kind === 'deb-system' && recipe.shimEnv === 'podman') {
    pathDefaults.CONTAINERS_CONF = layout.containersConf;
  }
  return recipe.bins.map((bin): ShimSpec => {
    if (resolution.from === 'path') {
      return {
        name: bin,
        command: [join(dirname(resolution.binary), bin)],
        defaults,
        pathDefaults,
        describe,
      };
    }
    const { home, marker } = resolution;
    const target = resolveBin(home, marker.bins[bin] ?? join('bin', bin));
    if (recipe.kind === 'pip') {
      // Ansible tools call each other by name (molecule → ansible-config): the venv's bin goes first.
      return { name: bin, command: [target], prepend: { PATH: [join(home, 'bin')] }, describe };
    }
    if (recipe.kind === 'deb-extract') {
      const extra = marker.extra ?? {};
      const interpreter = typeof extra.interpreter === 'string' ? extra.interpreter : '/usr/bin/python3';
      const pythonPath = typeof extra.pythonPath === 'string' ? resolveBin(home, extra.pythonPath) : home;
      return { name: bin, command: [interpreter, target], prepend: { PYTHONPATH: [pythonPath] }, describe };
    }
    return { name: bin, command: [target], defaults, pathDefaults, describe };
  });
}
