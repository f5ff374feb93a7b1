import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { InfraError, isInfraError, writeFileAtomic } from '@infra/core';
import { generateAgeKey, publicKeysOf, readIdentityFile } from './age-keys';
import { DEMO_FIELDS } from './demo-fields';
import { renderDemoKeyFile } from './demo-key';
import { withDirectoryLock } from './dir-lock';
import { setAt, valueAt } from './dotted-path';
import type { SopsErrorCode } from './error-codes';
import type { PlainData } from './formats';
import { resolveSopsKeys } from './key-context';
import { decryptData, encryptToFile, type SopsContext } from './sops-client';

/** An environment whose demo key and secrets file are generated per clone (both under `<repoRoot>/.infra/`). */
export interface DemoEnvironment {
  name: string;
  secrets: string;
  ageKeyFile: string;
  repoRoot: string;
}

/** The environment as a generated demo, or undefined when its key or secrets live anywhere else. */
export function generatedDemo(environment: {
  name: string;
  secrets: string;
  ageKeyFile?: string | undefined;
  repoRoot?: string | undefined;
}): DemoEnvironment | undefined {
  const { ageKeyFile, repoRoot } = environment;
  if (!ageKeyFile || !repoRoot) return undefined;
  const generatedDir = join(repoRoot, '.infra');
  const inside = (path: string) => {
    const rel = relative(generatedDir, path);
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  };
  return inside(ageKeyFile) && inside(environment.secrets)
    ? { name: environment.name, secrets: environment.secrets, ageKeyFile, repoRoot }
    : undefined;
}

export interface DemoReport {
  keyCreated: boolean;
  /** Dotted paths generated in this call (all of DEMO_FIELDS for a new file, new fields for an old one). */
  fieldsAdded: string[];
  recipient: string;
  /** The decrypted demo secrets (in memory only). */
  data: PlainData;
}

/**
 * Makes sure the environment's demo key and secrets file exist and hold every DEMO_FIELDS entry: a fresh
 * clone gets a new age key (0600) and fresh random credentials encrypted for it (0600); a file from before
 * a field was added gains that field; anything present is kept. Idempotent, each file written atomically,
 * and safe when two processes start at once (a lock directory beside the key; the second waits, then finds
 * the work done). `force` regenerates both from scratch.
 */
export async function ensureDemoSecrets(
  demo: DemoEnvironment,
  options: { env?: NodeJS.ProcessEnv | undefined; force?: boolean | undefined } = {},
): Promise<DemoReport> {
  if (!options.force) {
    const ready = await readComplete(demo, options.env);
    if (ready) return ready;
  }
  const dir = dirname(demo.ageKeyFile);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await mkdir(dirname(demo.secrets), { recursive: true, mode: 0o700 });
  return withDirectoryLock(join(dir, `.${demo.name}-demo.lock`), async () => {
    if (options.force) {
      await rm(demo.ageKeyFile, { force: true });
      await rm(demo.secrets, { force: true });
    } else {
      // Another process may have finished while we waited for the lock.
      const ready = await readComplete(demo, options.env);
      if (ready) return ready;
    }
    const keyCreated = !(await exists(demo.ageKeyFile));
    if (keyCreated) await writeDemoKey(demo);
    const [recipient] = await publicKeysOf(await readIdentityFile(demo.ageKeyFile));
    const context = await demoContext(demo, options.env);
    // A new key cannot read an old file: start over then.
    const data = !keyCreated && (await exists(demo.secrets)) ? await decryptDemo(demo, context) : {};
    const fieldsAdded: string[] = [];
    for (const field of DEMO_FIELDS) {
      if (valueAt(data, field.path) !== undefined) continue;
      setAt(data, field.path, await field.generate());
      fieldsAdded.push(field.path);
    }
    if (fieldsAdded.length > 0) {
      await encryptToFile(demo.secrets, data, context, { recipients: [recipient!], mode: 0o600 });
    }
    return { keyCreated, fieldsAdded, recipient: recipient!, data };
  });
}

/** The demo when key and file exist and hold every field; undefined when something must be generated. */
async function readComplete(demo: DemoEnvironment, env?: NodeJS.ProcessEnv): Promise<DemoReport | undefined> {
  if (!(await exists(demo.ageKeyFile)) || !(await exists(demo.secrets))) return undefined;
  const context = await demoContext(demo, env);
  const data = await decryptDemo(demo, context);
  if (DEMO_FIELDS.some((field) => valueAt(data, field.path) === undefined)) return undefined;
  const recipient = context.keys.held[0]?.recipient ?? '';
  return { keyCreated: false, fieldsAdded: [], recipient, data };
}

async function demoContext(demo: DemoEnvironment, env?: NodeJS.ProcessEnv): Promise<SopsContext> {
  const keys = await resolveSopsKeys({ env, environmentKeyFile: demo.ageKeyFile, ignoreUserKey: true });
  return { keys, displayRoot: demo.repoRoot };
}

async function decryptDemo(demo: DemoEnvironment, context: SopsContext): Promise<PlainData> {
  try {
    return await decryptData(demo.secrets, context);
  } catch (error) {
    if (!isInfraError(error)) throw error;
    const file = relative(demo.repoRoot, demo.secrets);
    throw new InfraError<SopsErrorCode>(
      'SECRETS_DEMO_UNREADABLE',
      `the generated demo secrets ${file} of environment "${demo.name}" cannot be read with its demo key: ${error.message}`,
      {
        hint: 'regenerate the demo (it only holds simulator credentials): `pnpm tsx scripts/secrets.ts demo --force`',
      },
    );
  }
}

/** age-keygen writes into a private temp dir; the key reaches its place atomically, 0600, with its header. */
async function writeDemoKey(demo: DemoEnvironment): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), 'infra-demo-key-'));
  try {
    const publicKey = await generateAgeKey(join(scratch, 'key.txt'));
    const [identity] = (await readIdentityFile(join(scratch, 'key.txt'))) as [string];
    const protects = relative(demo.repoRoot, demo.secrets);
    await writeFileAtomic(demo.ageKeyFile, renderDemoKeyFile({ identity, publicKey, protects }), {
      mode: 0o600,
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
