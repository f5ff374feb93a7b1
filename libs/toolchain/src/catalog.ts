/**
 * What libs/toolchain knows how to obtain, keyed by the name used in mise.toml. mise.toml holds the versions;
 * this file holds the recipes (Go module and packages, PyPI project, Debian package) and the version probes.
 * A mise.toml entry with no recipe here is an error, so a typo never silently installs nothing.
 */

/** How a Go tool is built. Both methods build with CGO_ENABLED=0 -trimpath and the shared Go caches. */
export interface GoBuild {
  module: string;
  /**
   * `install`: `go install module/pkg@vX` (the module's go.mod must have no replace/exclude directives).
   * `source`: `go mod download` the module and `go build` a copy of it as the main module: needed for
   * replace directives, and for modules whose version list the proxy refuses (go install looks it up for
   * deprecation notices). Same go.mod, same go.sum, same dependency versions as go install.
   */
  method: 'install' | 'source';
  /** Package path relative to the module root ('.' = the root) and the binary name it produces. */
  packages: readonly { pkg: string; bin: string }[];
  /** -X flags, given the pinned version without a leading v. */
  ldflags?: (version: string) => string[];
  /** Why `source` is used, for the README and the logs. */
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
  bins: readonly string[];
  probe: VersionProbe;
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
  probe: Omit<VersionProbe, 'bin'> & { bin?: string },
): PipRecipe => ({
  id: project,
  cacheName: 'python',
  kind: 'pip',
  section: 'tools',
  keys: [`pipx:${project}`, `pip:${project}`],
  project,
  bins,
  probe: { bin: probe.bin ?? bins[0]!, args: probe.args, parse: probe.parse },
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
      method: 'source',
      packages: [{ pkg: '.', bin: 'terraform-provider-talos' }],
      why: "the proxy refuses the module's version list (403), which go install reads for deprecation notices",
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
      method: 'source',
      packages: [{ pkg: '.', bin: 'packer-plugin-proxmox' }],
      why: 'go.mod replaces github.com/zclconf/go-cty with a fork',
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
  {
    id: 'openssh-server',
    cacheName: 'openssh-server',
    kind: 'deb-system',
    section: 'debian',
    keys: ['openssh-server'],
    package: 'openssh-server',
    bins: ['sshd'],
    systemDirs: ['/usr/sbin', '/usr/bin'],
    probe: { bin: 'sshd', args: ['-V'], parse: firstMatch(/OpenSSH_([\w.]+)/) },
  },
  {
    id: 'openssh-client',
    cacheName: 'openssh-client',
    kind: 'deb-system',
    section: 'debian',
    keys: ['openssh-client'],
    package: 'openssh-client',
    bins: ['ssh', 'ssh-keygen'],
    systemDirs: ['/usr/bin'],
    probe: { bin: 'ssh', args: ['-V'], parse: firstMatch(/OpenSSH_([\w.]+)/) },
  },
];

export function recipeById(id: string): Recipe | undefined {
  return CATALOG.find((recipe) => recipe.id === id);
}
