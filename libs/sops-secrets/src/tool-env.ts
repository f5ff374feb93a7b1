/**
 * The environment each tool gets: never the whole parent environment, which holds the user's tokens, SOPS
 * keys and cloud credentials. A child starts from a minimal base, the tool's own configuration variables are
 * copied from our environment when set, and secrets are added explicitly by the caller from loaded secrets.
 * Whatever a tool runs inherits its environment (Packer's shell-local runs ansible-playbook with it), so what a
 * tool does not get, its children cannot leak.
 *
 * The base is `@infra/core`'s (childEnv, what its process runner starts from); the `pass` lists here are what
 * that runner takes as its allowlist: `runProcess(tool, args, { pass: TOOL_ENV_PASS.tofu, env })`.
 */
import { childEnv } from '@infra/core';

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
  /** The editor `sops edit` opens; the keys are set by the caller (resolveSopsKeys), never copied. */
  sops: ['SOPS_DISABLE_VERSION_CHECK', 'SOPS_EDITOR', 'EDITOR'],
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

/** The complete environment for one tool: the runner's minimal base, the tool's configuration variables, then `env`. */
export function toolEnvironment(
  tool: ToolName,
  options: ToolEnvironmentOptions = {},
): Record<string, string> {
  return childEnv({
    from: options.from ?? process.env,
    pass: TOOL_ENV_PASS[tool],
    ...(options.env ? { env: options.env } : {}),
  });
}
