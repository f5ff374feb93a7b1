import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Host } from '../host/host';
import { LocalHost } from '../host/local-host';
import type { HostPlan } from '../plan/planner';
import { lastApplied } from '../verify/verify';
import { applyPlan } from './apply';
import { rollbackLatest } from './rollback';

// Issue 10 item 10: an apply cut off after one write can be rolled back without --force, and a backup set
// that never got its manifest (a crash while copying) blocks nothing.
const BACKUPS = '/var/backups/infra-gpu-host';
let root: string;
let host: LocalHost;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'infra-gpu-interrupted-'));
  host = new LocalHost({ root, env: { PATH: '/usr/bin:/bin' } });
  await mkdir(join(root, 'etc/modprobe.d'), { recursive: true });
  await writeFile(join(root, 'etc/modules'), 'loop\n');
});
afterEach(() => rm(root, { recursive: true, force: true }));

/** A plan that changes two files and runs a harmless refresh command. */
const plan = {
  changes: [
    { path: '/etc/modules', action: 'modify', before: 'loop\n', after: 'loop\nvfio\n' },
    { path: '/etc/modprobe.d/infra-vfio.conf', action: 'create', after: 'options vfio-pci ids=10de:27b2\n' },
  ],
  commands: [['true']],
  rebootRequired: true,
} as unknown as HostPlan;
const facts = { files: { '/etc/modules': 'loop\n' } } as never;

/** The host as a dying process sees it: the second file write never happens, nor anything after it. */
function dyingAfterFirstWrite(real: Host): Host {
  let dead = false;
  return new Proxy(real, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (dead) throw new Error('process killed');
        if (key === 'writeFileAtomic' && args[0] === '/etc/modprobe.d/infra-vfio.conf') {
          dead = true;
          throw new Error('process killed');
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

describe('an apply interrupted after one write', () => {
  it('rolls back without --force: the manifest had the after-hashes before the first write', async () => {
    await expect(applyPlan(dyingAfterFirstWrite(host), plan, facts)).rejects.toThrow();
    expect(await readFile(join(root, 'etc/modules'), 'utf8')).toBe('loop\nvfio\n'); // the one write landed
    const [set] = (await readdir(join(root, BACKUPS))).sort();
    const manifest = JSON.parse(await readFile(join(root, BACKUPS, set!, 'manifest.json'), 'utf8'));
    expect(manifest.status).toBe('applying');
    expect(manifest.entries.map((e: { sha256After?: string }) => typeof e.sha256After)).toEqual([
      'string',
      'string',
    ]);

    const result = await rollbackLatest(host);
    expect(result).toMatchObject({ status: 'rolled-back', restored: ['/etc/modules'] });
    expect(await readFile(join(root, 'etc/modules'), 'utf8')).toBe('loop\n');
    expect(await readdir(join(root, 'etc/modprobe.d'))).toEqual([]);
  });
});

describe('a backup set without manifest.json', () => {
  it('is skipped with a warning by apply, verify and rollback instead of blocking them', async () => {
    const warnings: string[] = [];
    const warn = (m: string) => warnings.push(m);
    const applied = await applyPlan(host, plan, facts, { warn });
    // A later apply crashed while copying backups: a newer set with files but no manifest.
    const broken = join(root, BACKUPS, '2999-01-01T00-00-00-000Z');
    await mkdir(join(broken, 'files/etc'), { recursive: true });
    await writeFile(join(broken, 'files/etc/modules'), 'loop\nvfio\n');

    expect(await lastApplied(host, BACKUPS, warn)).toMatchObject({ status: 'applied' });
    expect(await applyPlan(host, { ...plan, changes: [] } as HostPlan, facts, { warn })).toMatchObject({
      status: 'no-op',
    });
    const rolled = await rollbackLatest(host, { warn });
    expect(rolled).toMatchObject({ status: 'rolled-back', backupDir: applied.backupDir });
    expect(await readFile(join(root, 'etc/modules'), 'utf8')).toBe('loop\n');
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatch(/skipping backup set .*2999-01-01T00-00-00-000Z: it has no manifest\.json/);
  });
});
