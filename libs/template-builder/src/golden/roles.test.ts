import { appendFile, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadEnvironment } from '@infra/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { templateFingerprint } from '../plan';
import { recipeFor } from '../recipe';
import { goldenInputs } from './inputs';
import { goldenFingerprint } from './stage';

// The golden fingerprint of each image against the repository's own packer/ and ansible/ (in a temp copy, so a
// role can be edited): a changed role rebuilds exactly the golden images whose playbooks run it.
const repoRoot = resolve(import.meta.dirname, '../../../..');
const GOLDEN_OSES = ['arch', 'debian', 'nixos', 'ubuntu', 'windows'];
const BASE = 'b'.repeat(64); // the base template's fingerprint: held fixed, only the Ansible side changes
let dir: string;

async function fingerprints(): Promise<Record<string, string>> {
  const entries = await Promise.all(
    GOLDEN_OSES.map(async (os) => [os, goldenFingerprint(BASE, await goldenInputs(dir, os))] as const),
  );
  return Object.fromEntries(entries);
}

/** The OSes whose golden fingerprint changes when `file` (repo-relative) gets one more line; then restored. */
async function changedBy(file: string): Promise<string[]> {
  const before = await fingerprints();
  const original = await readFile(join(dir, file));
  await appendFile(join(dir, file), '# a changed line\n');
  try {
    const after = await fingerprints();
    return GOLDEN_OSES.filter((os) => after[os] !== before[os]);
  } finally {
    await writeFile(join(dir, file), original);
  }
}

const playbookRoles = async (name: string) =>
  (
    parse(await readFile(join(dir, 'ansible', 'playbooks', `${name}.yml`), 'utf8')) as Array<{
      roles: Array<{ role: string }>;
    }>
  ).flatMap((play) => play.roles.map((r) => r.role));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'golden-roles-'));
  for (const path of ['packer', 'ansible', 'talos', 'infra.config.yaml'])
    await cp(join(repoRoot, path), join(dir, path), { recursive: true });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('golden fingerprint and the Ansible roles each image runs', () => {
  it('the playbooks: Debian and Ubuntu run baseline (which depends on the shared roles), Arch the shared roles only', async () => {
    expect(await playbookRoles('debian')).toEqual(['baseline']);
    expect(await playbookRoles('ubuntu')).toEqual(['baseline']);
    expect(await playbookRoles('arch')).toEqual(['admin', 'ssh_hardening', 'guest_services']);
    const meta = parse(await readFile(join(dir, 'ansible/roles/baseline/meta/main.yml'), 'utf8')) as {
      dependencies: Array<{ role: string }>;
    };
    expect(meta.dependencies.map((d) => d.role)).toEqual(['admin', 'ssh_hardening', 'guest_services']);
  });

  it('is stable: the same files give the same fingerprints, one per image', async () => {
    const once = await fingerprints();
    expect(await fingerprints()).toEqual(once);
    expect(new Set(Object.values(once)).size).toBe(GOLDEN_OSES.length);
  });

  it('a change to baseline (Debian family only) rebuilds debian and ubuntu, not arch, nixos or windows', async () => {
    expect(await changedBy('ansible/roles/baseline/tasks/updates.yml')).toEqual(['debian', 'ubuntu']);
  });

  it('a role change touches no base template (talos included), and talos has no golden stage to rebuild', async () => {
    const env = await loadEnvironment('local', { cwd: dir });
    const bases = async () =>
      Object.fromEntries(
        await Promise.all(
          [...GOLDEN_OSES, 'talos'].map(async (os) => {
            const recipe = await recipeFor(env, os);
            return [os, { base: templateFingerprint(recipe), golden: recipe.golden !== undefined }] as const;
          }),
        ),
      );
    const before = await bases();
    expect(before.talos?.golden).toBe(false);
    expect(GOLDEN_OSES.every((os) => before[os]?.golden)).toBe(true);
    const file = join(dir, 'ansible/roles/baseline/tasks/updates.yml');
    const original = await readFile(file);
    await appendFile(file, '# a changed line\n');
    try {
      expect(await bases()).toEqual(before);
    } finally {
      await writeFile(file, original);
    }
  });

  it('a change to a shared role rebuilds every image whose playbook runs it, directly or through baseline', async () => {
    expect(await changedBy('ansible/roles/ssh_hardening/tasks/main.yml')).toEqual([
      'arch',
      'debian',
      'ubuntu',
    ]);
  });

  it('a change to one playbook rebuilds only its image; ansible.cfg, every image that runs Ansible', async () => {
    expect(await changedBy('ansible/playbooks/arch.yml')).toEqual(['arch']);
    expect(await changedBy('ansible/ansible.cfg')).toEqual(['arch', 'debian', 'ubuntu']);
  });
});
