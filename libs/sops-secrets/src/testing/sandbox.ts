import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateAgeKey } from '../age-keys';
import { resolveSopsKeys } from '../key-context';
import type { SopsContext } from '../sops-client';
import { type CreationRule, writeSopsConfig } from '../sops-config';

/**
 * A throw-away project for tests against the real sops/age binaries: its own HOME and XDG_CONFIG_HOME (so the
 * user's real ~/.config/sops is never read or written), its own keys and .sops.yaml.
 */
export interface Sandbox {
  dir: string;
  secretsDir: string;
  configPath: string;
  /** Environment for the library calls: PATH from the test process, everything else private. */
  env: NodeJS.ProcessEnv;
  newKey(name: string): Promise<{ file: string; recipient: string }>;
  writeRules(rules: CreationRule[]): Promise<void>;
  /** A sops context using exactly this key file. */
  contextFor(keyFile: string): Promise<SopsContext>;
  cleanup(): Promise<void>;
}

export async function createSandbox(): Promise<Sandbox> {
  const dir = await mkdtemp(join(tmpdir(), 'sops-secrets-test-'));
  const secretsDir = join(dir, 'secrets');
  const configPath = join(dir, '.sops.yaml');
  await mkdir(secretsDir);
  await mkdir(join(dir, 'home'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: join(dir, 'home'),
    XDG_CONFIG_HOME: join(dir, 'xdg'),
  };
  return {
    dir,
    secretsDir,
    configPath,
    env,
    async newKey(name) {
      const file = join(dir, 'keys', `${name}.txt`);
      return { file, recipient: await generateAgeKey(file) };
    },
    async writeRules(rules) {
      await writeSopsConfig(configPath, { creation_rules: rules });
    },
    async contextFor(keyFile) {
      const keys = await resolveSopsKeys({ env: { ...env, SOPS_AGE_KEY_FILE: keyFile } });
      return { keys, configPath, displayRoot: dir };
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
