/**
 * What libs/toolchain knows how to obtain, keyed by the name used in mise.toml. mise.toml holds the versions;
 * this file holds the recipes (Go module and packages, PyPI project, Debian package) and the version probes.
 * A mise.toml entry with no recipe here is an error, so a typo never silently installs nothing.
 */

/** Changes to a source tree's go.mod before it is built (`go mod edit`, then optionally `go mod tidy`). */
export interface GoModEdits {
  /** Module paths whose `replace` directive is removed. */
  dropReplace?: readonly string[];
  /** `replace <from> => <to> <version>` directives to add (or overwrite). */
  replace?: readonly { from: string; to: string; version: string }[];
  /** Run `go mod tidy` afterwards (needed when a replace changes the dependency graph). */
  tidy?: boolean;
}

/** How a Go tool is built. Every method builds with CGO_ENABLED=0 -trimpath GOWORK=off and the shared Go caches. */
export interface GoBuild {
  module: string;
  /**
   * `install`: `go install module/pkg@vX` (the module's go.mod must have no replace/exclude directives).
   * `source`: `go mod download` the module and `go build` a copy of it as the main module: needed for
   * replace directives, and for modules whose version list the proxy refuses (go install looks it up for
   * deprecation notices). Same go.mod, same go.sum, same dependency versions as go install.
   * `archive`: the same build, from a source archive in $INFRA_SOURCE_ARCHIVES (checksum-pinned in
   * mise.toml) for modules the proxy refuses entirely.
   */
  method: 'install' | 'source' | 'archive';
  /** Package path relative to the module root ('.' = the root) and the binary name it produces. */
  packages: readonly { pkg: string; bin: string }[];
  /** Linker flags (-X ..., -s -w), given the pinned version without a leading v. */
  ldflags?: (version: string) => string[];
  /** Build tags. */
  tags?: readonly string[];
  /** `archive`: the file name in $INFRA_SOURCE_ARCHIVES for a version (a `git archive` of the release tag). */
  archive?: (version: string) => string;
  /** Nested modules the module zip leaves out, copied (same version) to `dir` where go.mod's replace points. */
  nestedModules?: readonly { module: string; dir: string }[];
  modEdits?: GoModEdits;
  /**
   * Measured cold build time on 2 cores (the table in this library's README), only to start the longest builds
   * first so the two-at-a-time pool finishes sooner. Unknown = 60.
   */
  coldSeconds?: number;
  /** Why `source`/`archive` and the edits are needed, for the README and the logs. */
  why?: string;
}

export interface VersionProbe {
  /** Binary to run (one of the recipe's bins). */
  bin: string;
  args: readonly string[];
  /** Extracts the version from stdout+stderr; undefined when the output does not say. */
  parse: (output: string) => string | undefined;
}

interface RecipeBase {
  /** Stable id: the mise.toml key without a backend prefix, e.g. `opentofu`, `ansible-core`, `bpg/proxmox`. */
  id: string;
  /** Directory name under $INFRA_CACHE_DIR/tools. */
  cacheName: string;
}

export interface BootstrapRecipe extends RecipeBase {
  kind: 'bootstrap';
  section: 'tools';
  keys: readonly string[];
  bins: readonly string[];
  probe: VersionProbe;
}

export interface GoToolRecipe extends RecipeBase {
  kind: 'go';
  section: 'tools';
  /** Accepted mise.toml keys (registry short name first). */
  keys: readonly string[];
  bins: readonly string[];
  go: GoBuild;
  probe: VersionProbe;
  /** Environment defaults the shim sets when the caller has not (e.g. PACKER_PLUGIN_PATH). */
  shimEnv?: 'tofu' | 'packer';
}

export interface ProviderRecipe extends RecipeBase {
  kind: 'provider';
  section: 'providers';
  keys: readonly string[];
  /** `namespace/type` on registry.opentofu.org. */
  address: string;
  go: GoBuild;
}

export interface PackerPluginRecipe extends RecipeBase {
  kind: 'packer-plugin';
  section: 'packer-plugins';
  keys: readonly string[];
  /** The source address packer expects, e.g. github.com/hashicorp/proxmox. */
  source: string;
  go: GoBuild;
}

export interface PipRecipe extends RecipeBase {
  kind: 'pip';
  section: 'tools';
  keys: readonly string[];
  project: string;
  /** Commands it installs (shimmed); none for a plugin such as molecule-plugins. */
  bins: readonly string[];
  /** `distribution`: no command to ask; the venv's installed distribution metadata says the version. */
  probe: VersionProbe | 'distribution';
  /** Data derived from the installed package into the cache (see kubernetes-schemas.ts). */
  derived?: 'kubeconform-schemas';
}

export interface DebExtractRecipe extends RecipeBase {
  kind: 'deb-extract';
  section: 'debian';
  keys: readonly string[];
  package: string;
  bins: readonly string[];
  probe: VersionProbe;
}

export interface DebSystemRecipe extends RecipeBase {
  kind: 'deb-system';
  section: 'debian';
  keys: readonly string[];
  package: string;
  bins: readonly string[];
  /** Where Debian puts the command when it is not on a non-root PATH. */
  systemDirs: readonly string[];
  probe: VersionProbe;
  /** Environment defaults the shim sets when the caller has not (podman: CONTAINERS_CONF). */
  shimEnv?: 'podman';
}

export type Recipe =
  | BootstrapRecipe
  | GoToolRecipe
  | ProviderRecipe
  | PackerPluginRecipe
  | PipRecipe
  | DebExtractRecipe
  | DebSystemRecipe;

export type RecipeKind = Recipe['kind'];

const firstMatch = (pattern: RegExp) => (output: string) => pattern.exec(output)?.[1];

const pip = (
  project: string,
  bins: string[],
  probe: (Omit<VersionProbe, 'bin'> & { bin?: string }) | 'distribution',
  derived?: PipRecipe['derived'],
): PipRecipe => ({
  id: project,
  cacheName: 'python',
  kind: 'pip',
  section: 'tools',
  keys: [`pipx:${project}`, `pip:${project}`],
  project,
  bins,
  probe:
    probe === 'distribution' ? probe : { bin: probe.bin ?? bins[0]!, args: probe.args, parse: probe.parse },
  ...(derived ? { derived } : {}),
});

/** A Debian package used as installed by the system ("system" in mise.toml: any version of the distribution). */
const debSystem = (
  pkg: string,
  bins: string[],
  systemDirs: string[],
  probe: Omit<VersionProbe, 'bin'>,
  shimEnv?: DebSystemRecipe['shimEnv'],
): DebSystemRecipe => ({
  id: pkg,
  cacheName: pkg,
  kind: 'deb-system',
  section: 'debian',
  keys: [pkg],
  package: pkg,
  bins,
  systemDirs,
  probe: { bin: bins[0]!, ...probe },
  ...(shimEnv ? { shimEnv } : {}),
});

export const CATALOG: readonly Recipe[] = [
  {
    id: 'node',
    cacheName: 'node',
    kind: 'bootstrap',
    section: 'tools',
    keys: ['node', 'nodejs'],
    bins: ['node'],
    probe: { bin: 'node', args: ['--version'], parse: firstMatch(/v(\d+\.\d+\.\d+)/) },
  },
  {
    id: 'opentofu',
    cacheName: 'opentofu',
    kind: 'go',
    section: 'tools',
    keys: ['opentofu', 'aqua:opentofu/opentofu'],
    bins: ['tofu'],
    shimEnv: 'tofu',
    go: {
      module: 'github.com/opentofu/opentofu',
      coldSeconds: 231,
      method: 'source',
      packages: [{ pkg: './cmd/tofu', bin: 'tofu' }],
      // Without dev=no a source build calls itself 1.12.6-dev, which fails `required_version` constraints.
      ldflags: () => ['-X github.com/opentofu/opentofu/version.dev=no'],
      why: 'go.mod replaces github.com/hashicorp/hcl/v2 with the OpenTofu fork',
    },
    probe: {
      bin: 'tofu',
      args: ['version', '-json'],
      parse: firstMatch(/"terraform_version"\s*:\s*"([^"]+)"/),
    },
  },
  {
    id: 'packer',
    cacheName: 'packer',
    kind: 'go',
    section: 'tools',
    keys: ['packer', 'aqua:hashicorp/packer'],
    bins: ['packer'],
    shimEnv: 'packer',
    go: {
      module: 'github.com/hashicorp/packer',
      method: 'source',
      packages: [{ pkg: '.', bin: 'packer' }],
      why: 'go.mod replaces github.com/zclconf/go-cty with a fork',
    },
    probe: { bin: 'packer', args: ['version'], parse: firstMatch(/Packer v(\S+)/) },
  },
  {
    id: 'tflint',
    cacheName: 'tflint',
    kind: 'go',
    section: 'tools',
    keys: ['tflint', 'aqua:terraform-linters/tflint'],
    bins: ['tflint'],
    go: {
      module: 'github.com/terraform-linters/tflint',
      method: 'install',
      packages: [{ pkg: '.', bin: 'tflint' }],
    },
    probe: { bin: 'tflint', args: ['--version'], parse: firstMatch(/TFLint version (\S+)/) },
  },
  {
    id: 'terraform-docs',
    cacheName: 'terraform-docs',
    kind: 'go',
    section: 'tools',
    keys: ['terraform-docs', 'aqua:terraform-docs/terraform-docs'],
    bins: ['terraform-docs'],
    go: {
      module: 'github.com/terraform-docs/terraform-docs',
      method: 'source',
      packages: [{ pkg: '.', bin: 'terraform-docs' }],
      why: "the proxy refuses the module's version list (403), which go install reads for deprecation notices",
    },
    probe: {
      bin: 'terraform-docs',
      args: ['--version'],
      parse: firstMatch(/terraform-docs version v?(\S+)/),
    },
  },
  {
    id: 'sops',
    cacheName: 'sops',
    kind: 'go',
    section: 'tools',
    keys: ['sops', 'aqua:getsops/sops'],
    bins: ['sops'],
    go: {
      module: 'github.com/getsops/sops/v3',
      method: 'install',
      packages: [{ pkg: './cmd/sops', bin: 'sops' }],
    },
    probe: { bin: 'sops', args: ['--version', '--disable-version-check'], parse: firstMatch(/sops (\d\S*)/) },
  },
  {
    id: 'age',
    cacheName: 'age',
    kind: 'go',
    section: 'tools',
    keys: ['age', 'aqua:FiloSottile/age'],
    bins: ['age', 'age-keygen'],
    go: {
      module: 'filippo.io/age',
      method: 'install',
      packages: [
        { pkg: './cmd/age', bin: 'age' },
        { pkg: './cmd/age-keygen', bin: 'age-keygen' },
      ],
      // age prints debug.BuildInfo's module version, which is "(devel)" in a source build; pin it explicitly.
      ldflags: (version) => [`-X main.Version=v${version}`],
    },
    probe: { bin: 'age', args: ['--version'], parse: firstMatch(/v(\d+\.\d+\.\d+\S*)/) },
  },
  {
    id: 'talosctl',
    cacheName: 'talosctl',
    kind: 'go',
    section: 'tools',
    keys: ['talosctl', 'aqua:siderolabs/talos'],
    bins: ['talosctl'],
    go: {
      module: 'github.com/siderolabs/talos',
      coldSeconds: 214,
      method: 'source',
      packages: [{ pkg: './cmd/talosctl', bin: 'talosctl' }],
      tags: ['grpcnotrace'],
      ldflags: () => ['-s', '-w'],
      // The module zip leaves out the nested module that go.mod's `replace ... => ./pkg/machinery` points at.
      nestedModules: [{ module: 'github.com/siderolabs/talos/pkg/machinery', dir: 'pkg/machinery' }],
      modEdits: {
        // The smira/containerd fork is not served; upstream containerd/v2 resolves.
        dropReplace: ['github.com/containerd/containerd/v2'],
        replace: [
          // v0.2.38 is refused by the proxy.
          {
            from: 'github.com/siderolabs/go-kubernetes',
            to: 'github.com/siderolabs/go-kubernetes',
            version: 'v0.2.39',
          },
          // v3.6.12 is refused, and the checksum database has no v3.6.11.
          { from: 'go.etcd.io/etcd/etcdutl/v3', to: 'go.etcd.io/etcd/etcdutl/v3', version: 'v3.6.10' },
        ],
      },
      why: 'go.mod replaces pkg/machinery with the nested module (not in the zip) and pins forks and versions the proxy does not serve',
    },
    probe: { bin: 'talosctl', args: ['version', '--client'], parse: firstMatch(/Tag:\s+v(\S+)/) },
  },
  {
    id: 'helm',
    cacheName: 'helm',
    kind: 'go',
    section: 'tools',
    keys: ['helm', 'aqua:helm/helm'],
    bins: ['helm'],
    go: {
      module: 'helm.sh/helm/v4',
      coldSeconds: 143,
      method: 'install',
      packages: [{ pkg: './cmd/helm', bin: 'helm' }],
      // What helm's Makefile stamps for a release tag; otherwise `helm version` says "v4.3".
      ldflags: (version) => ['-s', '-w', `-X helm.sh/helm/v4/internal/version.version=v${version}`],
    },
    probe: { bin: 'helm', args: ['version', '--short'], parse: firstMatch(/v(\d+\.\d+\.\d+)/) },
  },
  {
    id: 'kubeconform',
    cacheName: 'kubeconform',
    kind: 'go',
    section: 'tools',
    keys: ['kubeconform', 'aqua:yannh/kubeconform'],
    bins: ['kubeconform'],
    go: {
      module: 'github.com/yannh/kubeconform',
      coldSeconds: 65,
      method: 'install',
      packages: [{ pkg: './cmd/kubeconform', bin: 'kubeconform' }],
      // The release build's stamp (goreleaser); the default is "development".
      ldflags: (version) => ['-s', '-w', `-X main.version=v${version}`],
    },
    probe: { bin: 'kubeconform', args: ['-v'], parse: firstMatch(/v(\d+\.\d+\.\d+)/) },
  },
  pip(
    'ansible-core',
    [
      'ansible',
      'ansible-config',
      'ansible-console',
      'ansible-doc',
      'ansible-galaxy',
      'ansible-inventory',
      'ansible-playbook',
      'ansible-pull',
      'ansible-test',
      'ansible-vault',
    ],
    { args: ['--version'], parse: firstMatch(/\[core (\d[^\]]*)\]/) },
  ),
  pip('ansible-lint', ['ansible-lint'], {
    args: ['--version', '--nocolor'],
    parse: firstMatch(/ansible-lint (\d\S*)/),
  }),
  pip('yamllint', ['yamllint'], { args: ['--version'], parse: firstMatch(/yamllint (\d\S*)/) }),
  pip('molecule', ['molecule'], { args: ['--version'], parse: firstMatch(/molecule (\d\S*)/) }),
  pip('checkov', ['checkov'], { args: ['--version'], parse: firstMatch(/^(\d+\.\d+\.\d+)\s*$/m) }),
  // The Ansible community package: collections such as containers.podman (Galaxy is not reachable here).
  pip('ansible', ['ansible-community'], {
    args: ['--version'],
    parse: firstMatch(/Ansible community version (\d\S*)/),
  }),
  // Molecule's podman driver: a plugin, no command of its own.
  pip('molecule-plugins', [], 'distribution'),
  // Kubernetes JSON schemas v1.25-v1.37 (and a strict validator CLI); rewritten for kubeconform.
  pip(
    'kubernetes-validate',
    ['kubernetes-validate'],
    { args: ['--version'], parse: firstMatch(/^(\d+\.\d+\.\d+)\s*$/m) },
    'kubeconform-schemas',
  ),
  {
    id: 'bpg/proxmox',
    cacheName: 'terraform-provider-proxmox',
    kind: 'provider',
    section: 'providers',
    keys: ['bpg/proxmox'],
    address: 'bpg/proxmox',
    go: {
      module: 'github.com/bpg/terraform-provider-proxmox',
      method: 'source',
      packages: [{ pkg: '.', bin: 'terraform-provider-proxmox' }],
      ldflags: (version) => [`-X main.version=${version}`],
      why: "the proxy refuses the module's version list (403), which go install reads for deprecation notices",
    },
  },
  {
    id: 'siderolabs/talos',
    cacheName: 'terraform-provider-talos',
    kind: 'provider',
    section: 'providers',
    keys: ['siderolabs/talos'],
    address: 'siderolabs/talos',
    go: {
      module: 'github.com/siderolabs/terraform-provider-talos',
      coldSeconds: 122,
      method: 'archive',
      archive: (version) => `terraform-provider-talos-v${version}.tar.gz`,
      packages: [{ pkg: '.', bin: 'terraform-provider-talos' }],
      ldflags: () => ['-s', '-w'],
      // v0.11.0 pins image-factory v1.1.0, which the proxy does not serve; v1.2.0 resolves after a tidy.
      modEdits: {
        replace: [
          {
            from: 'github.com/siderolabs/image-factory',
            to: 'github.com/siderolabs/image-factory',
            version: 'v1.2.0',
          },
        ],
        tidy: true,
      },
      why: 'the proxy refuses every version of the module (403)',
    },
  },
  {
    id: 'packer-plugin-proxmox',
    cacheName: 'packer-plugin-proxmox',
    kind: 'packer-plugin',
    section: 'packer-plugins',
    keys: ['github.com/hashicorp/proxmox'],
    source: 'github.com/hashicorp/proxmox',
    go: {
      module: 'github.com/hashicorp/packer-plugin-proxmox',
      coldSeconds: 169,
      method: 'archive',
      archive: (version) => `packer-plugin-proxmox-v${version}.tar.gz`,
      packages: [{ pkg: '.', bin: 'packer-plugin-proxmox' }],
      ldflags: () => ['-s', '-w'],
      why: 'the proxy refuses the source zip of the module (403)',
    },
  },
  {
    id: 'packer-plugin-ansible',
    cacheName: 'packer-plugin-ansible',
    kind: 'packer-plugin',
    section: 'packer-plugins',
    keys: ['github.com/hashicorp/ansible'],
    source: 'github.com/hashicorp/ansible',
    go: {
      module: 'github.com/hashicorp/packer-plugin-ansible',
      coldSeconds: 25,
      method: 'archive',
      archive: (version) => `packer-plugin-ansible-v${version}.tar.gz`,
      packages: [{ pkg: '.', bin: 'packer-plugin-ansible' }],
      ldflags: () => ['-s', '-w'],
      why: 'the proxy does not serve the module',
    },
  },
  {
    id: 'cloud-init',
    cacheName: 'cloud-init',
    kind: 'deb-extract',
    section: 'debian',
    keys: ['cloud-init'],
    package: 'cloud-init',
    bins: ['cloud-init'],
    probe: { bin: 'cloud-init', args: ['--version'], parse: firstMatch(/cloud-init\s+(\d[\w.]*)/) },
  },
  debSystem('openssh-server', ['sshd'], ['/usr/sbin', '/usr/bin'], {
    args: ['-V'],
    parse: firstMatch(/OpenSSH_([\w.]+)/),
  }),
  debSystem('openssh-client', ['ssh', 'ssh-keygen'], ['/usr/bin'], {
    args: ['-V'],
    parse: firstMatch(/OpenSSH_([\w.]+)/),
  }),
  // Molecule's podman driver on these machines (see the generated containers.conf, containers-conf.ts).
  debSystem(
    'podman',
    ['podman'],
    ['/usr/bin'],
    { args: ['--version'], parse: firstMatch(/podman version (\S+)/) },
    'podman',
  ),
  debSystem('runc', ['runc'], ['/usr/sbin', '/usr/bin'], {
    args: ['--version'],
    parse: firstMatch(/runc version (\S+)/),
  }),
  debSystem('fuse-overlayfs', ['fuse-overlayfs'], ['/usr/bin'], {
    args: ['--version'],
    parse: firstMatch(/version (\S+)/),
  }),
  debSystem('debootstrap', ['debootstrap'], ['/usr/sbin'], {
    args: ['--version'],
    parse: firstMatch(/debootstrap (\S+)/),
  }),
];

export function recipeById(id: string): Recipe | undefined {
  return CATALOG.find((recipe) => recipe.id === id);
}
