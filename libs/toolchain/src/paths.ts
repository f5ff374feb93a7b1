import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The per-user cache layout. Everything is keyed by tool and version, so a second clone on the same machine
 * reuses it, and a changed pin installs next to the old one instead of over it.
 *
 *   $INFRA_CACHE_DIR/tools/
 *     bin/                                   shims, first on PATH (tools/bootstrap.sh, toolchainEnv)
 *     <tool>/<version>/bin/...               Go tools, with .infra-tool.json (written last = installed)
 *     terraform-provider-<type>/<version>/mirror/registry.opentofu.org/<ns>/<type>/<version>/<os>_<arch>/...
 *     packer-plugin-proxmox/<version>/bin/   the built plugin, installed from here into packer-plugins/
 *     packer-plugins/                        PACKER_PLUGIN_PATH
 *     python/<hash of the pins>/             one venv for every pipx: pin
 *     cloud-init/<version>/root/             the unpacked .deb
 *     kubernetes-schemas/<version>/          kubernetes-validate's schemas, rewritten for kubeconform
 *     share/kubernetes-schemas               -> the pinned version's directory ($INFRA_KUBERNETES_SCHEMAS)
 *     containers/containers.conf             CONTAINERS_CONF (podman on these machines)
 *     tofu/cli.tfrc                          TF_CLI_CONFIG_FILE
 *     logs/<tool>-<version>.log              build logs
 *     state.json                             what the last install decided, for doctor
 */
export interface CacheLayout {
  cacheDir: string;
  toolsDir: string;
  binDir: string;
  logsDir: string;
  workDir: string;
  packerPluginDir: string;
  tofuCliConfig: string;
  /** A stable link to the kubeconform schema directory of the pinned kubernetes-validate. */
  kubernetesSchemas: string;
  containersConf: string;
  stateFile: string;
  lockFile: string;
  toolDir(cacheName: string, version: string): string;
  logFile(cacheName: string, version: string): string;
}

export const MARKER_FILE = '.infra-tool.json';

/** $INFRA_CACHE_DIR, defaulting like tools/bootstrap.sh: $XDG_CACHE_HOME/infra, else ~/.cache/infra. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.INFRA_CACHE_DIR) return env.INFRA_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'infra');
}

export function cacheLayout(cacheDir: string = defaultCacheDir()): CacheLayout {
  const toolsDir = join(cacheDir, 'tools');
  return {
    cacheDir,
    toolsDir,
    binDir: join(toolsDir, 'bin'),
    logsDir: join(toolsDir, 'logs'),
    workDir: join(toolsDir, '.work'),
    packerPluginDir: join(toolsDir, 'packer-plugins'),
    tofuCliConfig: join(toolsDir, 'tofu', 'cli.tfrc'),
    kubernetesSchemas: join(toolsDir, 'share', 'kubernetes-schemas'),
    containersConf: join(toolsDir, 'containers', 'containers.conf'),
    stateFile: join(toolsDir, 'state.json'),
    lockFile: join(toolsDir, '.install.lock'),
    toolDir: (cacheName, version) => join(toolsDir, cacheName, version),
    logFile: (cacheName, version) => join(toolsDir, 'logs', `${cacheName}-${version}.log`),
  };
}

/** GOOS_GOARCH as OpenTofu and Packer name platforms. */
export function goPlatform(
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): string {
  const os = platform === 'win32' ? 'windows' : platform;
  const goArch = arch === 'x64' ? 'amd64' : arch === 'ia32' ? '386' : arch;
  return `${os}_${goArch}`;
}

/** Where a provider's unpacked filesystem_mirror lives, and the binary inside it. */
export function providerMirror(
  layout: CacheLayout,
  cacheName: string,
  address: string,
  version: string,
  platform = goPlatform(),
): { mirrorRoot: string; packageDir: string; binary: string } {
  const mirrorRoot = join(layout.toolDir(cacheName, version), 'mirror');
  const type = address.split('/')[1]!;
  const packageDir = join(mirrorRoot, 'registry.opentofu.org', address, version, platform);
  return { mirrorRoot, packageDir, binary: join(packageDir, `terraform-provider-${type}_v${version}`) };
}

/** The venv directory for a set of PyPI pins and a Python minor version: a new pin set gets a new venv. */
export function pythonVenvDir(
  layout: CacheLayout,
  pins: readonly { requirement: string }[],
  pythonMinor: string,
): string {
  const key = [`python=${pythonMinor}`, ...pins.map((p) => p.requirement).sort()].join('\n');
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
  return join(layout.toolsDir, 'python', hash);
}
