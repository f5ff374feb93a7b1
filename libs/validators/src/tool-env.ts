import type { ToolEnv } from './exec';

/**
 * The environment tools run with. `@infra/toolchain`'s `toolchainEnv()` adds what the pinned toolchain needs
 * (shim dir on PATH, TF_CLI_CONFIG_FILE with the provider filesystem mirror, PACKER_PLUGIN_PATH, the Python
 * venv); until that library exports it, the current process environment is used as is.
 */
export async function toolchainEnvironment(base: ToolEnv = process.env): Promise<ToolEnv> {
  const toolchain = (await import('@infra/toolchain').catch(() => ({}))) as Record<string, unknown>;
  const toolchainEnv = toolchain.toolchainEnv;
  if (typeof toolchainEnv !== 'function') return { ...base };
  const extra = (await toolchainEnv()) as ToolEnv | undefined;
  return { ...base, ...(extra ?? {}) };
}
