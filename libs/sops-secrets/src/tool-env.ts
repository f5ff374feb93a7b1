/**
 * The environment each tool gets: never the whole parent environment, which holds the user's tokens, SOPS
 * keys and cloud credentials. A child starts from a minimal base, the tool's own configuration variables are
 * copied from our environment when set, and secrets are added explicitly by the caller from loaded secrets.
 * Whatever a tool runs inherits its environment (Packer's shell-local runs ansible-playbook with it), so what a
 * tool does not get, its children cannot leak.
 *
 * Pure data and functions: the `pass` lists are what `@infra/core`'s process runner takes as its allowlist.
 */

/** What any process needs to run at all (plus the `LC_*` locale variables); nothing that authenticates. */
export const BASE_ENV_NAMES: readonly string[] = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'LANG',
  'TMPDIR',
  'TERM',
  'TZ',
  'NO_COLOR',
  'INFRA_DEBUG',
];

/** Trust for Go and Python TLS clients (proxmox-connect's toolTrust sets SSL_CERT_FILE for a pinned host). */
const TLS_TRUST = ['SSL_CERT_FILE', 'SSL_CERT_DIR'] as const;

/** Ansible's own settings (the toolchain sets the quiet ones); never SSH_AUTH_SOCK: builds use their own key. */
const ANSIBLE_SETTINGS = [
  'ANSIBLE_CONFIG',
  'ANSIBLE_NOCOLOR',
  'ANSIBLE_RETRY_FILES_ENABLED',
  'ANSIBLE_LOCALHOST_WARNING',
  'ANSIBLE_INVENTORY_UNPARSED_WARNING',
  'ANSIBLE_LINT_SKIP_SCHEMA_UPDATE',
] as const;

/**
 * Per tool, the configuration variables copied from our environment. Credentials are not in any list: a
 * `PKR_VAR_*`, `TF_VAR_*`, `PROXMOX_*` or `SOPS_AGE_KEY*` in the user's shell never reaches a tool by accident;
 * the caller sets the ones the run needs.
 */
export const TOOL_ENV_PASS = {
  packer: [
    'PACKER_PLUGIN_PATH',
    'PACKER_CACHE_DIR',
    'PACKER_CONFIG_DIR',
    'PACKER_LOG',
    'PACKER_LOG_PATH',
    'CHECKPOINT_DISABLE',
    ...TLS_TRUST,
    // shell-local provisioners run ansible-playbook with Packer's environment.
    ...ANSIBLE_SETTINGS,
  ],
  tofu: [
    'TF_CLI_CONFIG_FILE',
    'TF_IN_AUTOMATION',
    'TF_INPUT',
    'TF_DATA_DIR',
    'TF_PLUGIN_CACHE_DIR',
    'TF_LOG',
    'TF_LOG_PATH',
    'CHECKPOINT_DISABLE',
    ...TLS_TRUST,
  ],
  ansible: [...ANSIBLE_SETTINGS],
  sops: ['SOPS_DISABLE_VERSION_CHECK'],
  /** A helper (`sh`, `mkfifo`, `openssl`) that needs nothing beyond the base. */
  plain: [],
} as const satisfies Record<string, readonly string[]>;

export type ToolName = keyof typeof TOOL_ENV_PASS;

export interface ToolEnvironmentOptions {
  /** Where the base and the tool's variables are copied from (default process.env). */
  from?: NodeJS.ProcessEnv;
  /** Values set outright (the run's variables and secrets); they win over what is copied. */
  env?: Readonly<Record<string, string>>;
}

/** The complete environment for one tool: the base, the tool's configuration variables, then `env`. */
export function toolEnvironment(
  tool: ToolName,
  options: ToolEnvironmentOptions = {},
): Record<string, string> {
  const from = options.from ?? process.env;
  const out: Record<string, string> = {};
  const copy = (name: string) => {
    const value = from[name];
    if (value !== undefined) out[name] = value;
  };
  for (const name of BASE_ENV_NAMES) copy(name);
  for (const name of Object.keys(from)) if (name.startsWith('LC_')) copy(name);
  for (const name of TOOL_ENV_PASS[tool]) copy(name);
  return { ...out, ...options.env };
}
