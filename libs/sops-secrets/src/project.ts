import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isSupportedSecretsFile } from './formats';
import { resolveSopsKeys } from './key-context';
import type { SopsContext } from './sops-client';

/** Where a repository keeps its secrets, and which environments bring their own key file. */
export interface SecretsProject {
  repoRoot: string;
  secretsDir: string;
  configPath: string;
  /** Absolute secrets file → absolute key file, from each environment's `ageKeyFile` (the local demo). */
  environmentKeys: Record<string, string>;
  /** Where to read SOPS_AGE_KEY(_FILE), HOME, PATH from (default process.env). */
  env?: NodeJS.ProcessEnv | undefined;
}

export function secretsProject(
  repoRoot: string,
  options: { environmentKeys?: Record<string, string>; env?: NodeJS.ProcessEnv } = {},
): SecretsProject {
  const root = resolve(repoRoot);
  return {
    repoRoot: root,
    secretsDir: join(root, 'secrets'),
    configPath: join(root, '.sops.yaml'),
    environmentKeys: options.environmentKeys ?? {},
    env: options.env,
  };
}

/**
 * The sops context for one file: the user's key, plus the environment's own key when the file belongs to an
 * environment that has one (so the demo file stays readable for everyone).
 */
export async function sopsContextFor(project: SecretsProject, file: string): Promise<SopsContext> {
  const environmentKeyFile = project.environmentKeys[resolve(file)];
  const keys = await resolveSopsKeys({ env: project.env, environmentKeyFile });
  return { keys, configPath: project.configPath, displayRoot: project.repoRoot };
}

/** Every secrets document under secrets/ (YAML, JSON, dotenv), recursively, sorted. */
export async function listSecretsFiles(project: SecretsProject): Promise<string[]> {
  const walk = async (dir: string): Promise<string[]> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    const files: string[] = [];
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) files.push(...(await walk(path)));
      else if (entry.isFile() && isSupportedSecretsFile(path) && /\.enc\./.test(entry.name)) files.push(path);
    }
    return files;
  };
  return walk(project.secretsDir);
}
