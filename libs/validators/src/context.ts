import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { ToolEnv } from './exec';

/** What every validator gets: where the repo and the project are, the tool environment, and scratch dirs. */
export interface ValidationContext {
  /** Absolute path of the repo root (where infra.config.yaml, .yamllint.yaml, .tflint.hcl live). */
  repoRoot: string;
  /** Absolute path of the project being validated, e.g. <repo>/packer/debian. */
  projectRoot: string;
  /** Environment for tool processes: PATH with the toolchain shims, TF_CLI_CONFIG_FILE, PACKER_PLUGIN_PATH, ... */
  env: ToolEnv;
  /** A fresh private temp dir, removed by dispose(). */
  scratch(label: string): Promise<string>;
}

export interface DisposableContext extends ValidationContext {
  dispose(): Promise<void>;
}

export function createContext(options: {
  repoRoot: string;
  projectRoot: string;
  env: ToolEnv;
}): DisposableContext {
  const repoRoot = resolve(options.repoRoot);
  const projectRoot = isAbsolute(options.projectRoot)
    ? options.projectRoot
    : resolve(repoRoot, options.projectRoot);
  const dirs: string[] = [];
  return {
    repoRoot,
    projectRoot,
    env: options.env,
    async scratch(label) {
      // mkdtemp creates the directory 0700, so nothing written inside is readable by other users.
      const dir = await mkdtemp(join(tmpdir(), `infra-validate-${label}-`));
      dirs.push(dir);
      return dir;
    },
    async dispose() {
      await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
    },
  };
}
