import { toolchainEnv } from '@infra/toolchain';
import type { ToolEnv } from './exec';

/**
 * The environment tools run with: the current one plus what `@infra/toolchain` says the pinned toolchain needs
 * (its shim dir first on PATH, TF_CLI_CONFIG_FILE with the provider filesystem mirror, PACKER_PLUGIN_PATH, no
 * update checks).
 */
export function toolchainEnvironment(base: ToolEnv = process.env): ToolEnv {
  return { ...base, ...toolchainEnv({ basePath: base.PATH ?? '' }) };
}
