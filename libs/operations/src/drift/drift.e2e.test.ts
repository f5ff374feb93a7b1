import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { runProcess } from '@infra/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestHost, REPO_ROOT, type TestHost } from '../testing/host';
import { runDrift } from './drift';

const TAG = 'fp-0123456789abcdef01234567';
const hosts: TestHost[] = [];
afterEach(async () => {
  for (const host of hosts.splice(0)) await host.close();
});

async function clusterInSync() {
  const h = await createTestHost({ nodes: ['pve1', 'pve2'] });
  hosts.push(h);
  await h.api('POST', '/nodes/pve1/qemu', { vmid: 9000, name: 'talos-golden', tags: `infra;${TAG}` });
  await h.api('POST', '/nodes/pve1/qemu/9000/template');
  await h.api('POST', '/cluster/mapping/pci', {
    id: 'rtx4000ada',
    description: 'gpu',
    map: ['node=pve1,path=0000:01:00.0,id=10de:27b2,subsystem-id=10de:181b,iommugroup=14'],
  });
  return h;
}

describe('drift against a two-node simulator', () => {
  it('is 0 when the cluster matches, 2 with missing, extra and changed items', {
    timeout: 60_000,
  }, async () => {
    const h = await clusterInSync();
    const clean = await runDrift({ environment: h.environment, env: h.env, templates: { talos: TAG } });
    expect(clean).toMatchObject({ items: [], exitCode: 0 });

    // A hand-made VM in the range, a stale template, a mapping without our node, a new recipe fingerprint.
    await h.api('POST', '/nodes/pve2/qemu', { vmid: 9010, name: 'by-hand' });
    await h.api('POST', '/nodes/pve2/qemu', {
      vmid: 9011,
      name: 'old-golden',
      tags: 'infra;fp-ffffffffffffffffffffffff',
    });
    await h.api('POST', '/nodes/pve2/qemu/9011/template');
    await h.api('PUT', '/cluster/mapping/pci/rtx4000ada', {
      map: ['node=pve2,path=0000:01:00.0,id=10de:27b2,subsystem-id=10de:181b,iommugroup=14'],
    });
    const wanted = 'fp-aaaaaaaaaaaaaaaaaaaaaaaa';
    const drift = await runDrift({ environment: h.environment, env: h.env, templates: { talos: wanted } });
    expect(drift.exitCode).toBe(2);
    expect(drift.items.map((i) => [i.kind, i.resource, i.name])).toEqual([
      ['missing', 'template', 'talos'],
      ['changed', 'template', '9000 talos-golden on pve1'],
      ['changed', 'template', '9011 old-golden on pve2'],
      ['extra', 'vm', '9010 by-hand on pve2'],
      ['changed', 'mapping', 'rtx4000ada'],
    ]);
  });

  it('an unreachable host is an error (exit 1 from the script), not drift', { timeout: 90_000 }, async () => {
    const h = await createTestHost({ endpoint: () => 'https://127.0.0.1:9' });
    hosts.push(h);
    await expect(runDrift({ environment: h.environment, env: h.env, templates: {} })).rejects.toMatchObject({
      code: 'PVE_UNREACHABLE',
    });
    // The script computes the Talos fingerprint from the schematic and patches first.
    await cp(join(REPO_ROOT, 'talos'), join(h.dir, 'talos'), { recursive: true });
    const tsx = join(REPO_ROOT, 'node_modules/.bin/tsx');
    const env = { HOME: h.env.HOME, SOPS_AGE_KEY_FILE: h.env.SOPS_AGE_KEY_FILE };
    const run = await runProcess(tsx, [join(REPO_ROOT, 'scripts/drift.ts'), '-e', 'test', '--json'], {
      cwd: h.dir,
      env,
      timeoutMs: 60_000,
    });
    expect(run.exitCode).toBe(1);
    expect(run.stdout + run.stderr).toContain('PVE_UNREACHABLE');
  });
});
