import { appendFile, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadEnvironment } from '@infra/config';
import { embeddedHost } from '@infra/proxmox-connect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from '../build';
import { fingerprintTag } from '../plan';
import { type ServedImage, serveCloudImage } from '../testing/cloud-image';
import { type Harness, startHarness } from '../testing/harness';
import { goldenInputs } from './inputs';
import { GOLDEN_MANAGED_BY, goldenFingerprint } from './stage';

// Issue 14 item 2: the golden stage is content-addressed like the base template.
const repoRoot = resolve(import.meta.dirname, '../../../..');
const MUTATING = new Set(['POST', 'PUT', 'DELETE']);

describe('goldenInputs', () => {
  let copy: string;
  beforeAll(async () => {
    copy = await mkdtemp(join(tmpdir(), 'golden-inputs-'));
    for (const path of ['packer/debian', 'ansible'])
      await cp(join(repoRoot, path), join(copy, path), { recursive: true });
  });
  afterAll(() => rm(copy, { recursive: true, force: true }));

  it('covers the Packer template and its cloud-init files, the playbook, its roles and ansible.cfg; not READMEs', async () => {
    const inputs = await goldenInputs(copy, 'debian');
    const files = Object.keys(inputs);
    expect(files).toEqual(
      expect.arrayContaining(['packer/debian/debian.pkr.hcl', 'ansible/playbooks/debian.yml']),
    );
    expect(files).toContain('ansible/ansible.cfg');
    expect(files.some((f) => f.startsWith('packer/debian/cloud-init/'))).toBe(true);
    expect(files.some((f) => f.startsWith('ansible/roles/baseline/tasks/'))).toBe(true);
    expect(files.filter((f) => /README/i.test(f))).toEqual([]);
    expect(Object.values(inputs).every((h) => /^[0-9a-f]{64}$/.test(h))).toBe(true);
  });

  it('the fingerprint changes with a role task or the base template, not with a README', async () => {
    const base = 'a'.repeat(64);
    const before = goldenFingerprint(base, await goldenInputs(copy, 'debian'));
    await appendFile(join(copy, 'packer/debian/README.md'), '\nmore words\n');
    expect(goldenFingerprint(base, await goldenInputs(copy, 'debian'))).toBe(before);
    expect(goldenFingerprint('b'.repeat(64), await goldenInputs(copy, 'debian'))).not.toBe(before);
    const tasks = join(copy, 'ansible/roles/baseline/tasks/main.yml');
    await writeFile(tasks, `${await readFile(tasks, 'utf8')}\n# changed\n`);
    expect(goldenFingerprint(base, await goldenInputs(copy, 'debian'))).not.toBe(before);
  });

  it('a playbook naming a missing role is one clear error', async () => {
    const playbook = join(copy, 'ansible/playbooks/debian.yml');
    await writeFile(playbook, '- hosts: all\n  roles:\n    - role: nope\n');
    await expect(goldenInputs(copy, 'debian')).rejects.toMatchObject({ code: 'GOLDEN_ROLE_MISSING' });
  });
});

describe('an unchanged golden rebuild', () => {
  let h: Harness;
  let image: ServedImage;
  beforeAll(async () => {
    [h, image] = await Promise.all([startHarness(), serveCloudImage()]);
    h.connection = { ...h.connection, host: embeddedHost };
    for (const path of ['packer/debian', 'ansible'])
      await cp(join(repoRoot, path), join(h.dir, path), { recursive: true });
  });
  afterAll(async () => {
    await image.stop();
    await h.stop();
  });

  it('finds the golden template by its fingerprint and makes 0 mutating requests', async () => {
    const base = await readFile(join(h.dir, 'infra.config.yaml'), 'utf8');
    await writeFile(join(h.dir, 'golden.config.yaml'), base.replace('  gpu:', `${image.imagesYaml()}  gpu:`));
    const env = await loadEnvironment('local', { file: join(h.dir, 'golden.config.yaml') });
    const first = await buildImage(env, 'debian', { connection: h.connection });
    expect(first.golden).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining('runs no guests'),
    });
    // What a golden build leaves (Packer's template, marked by the golden stage), made here by hand.
    const fingerprint = goldenFingerprint(first.fingerprint, await goldenInputs(h.dir, 'debian'));
    await h.client.createVm('pve', {
      vmid: 9050,
      name: 'debian-13-golden',
      template: true,
      tags: ['infra', 'debian', 'golden', fingerprintTag(fingerprint)].join(';'),
      description: JSON.stringify({ managedBy: GOLDEN_MANAGED_BY, os: 'debian', fingerprint }),
    });
    const mark = await h.logMark();
    const again = await buildImage(env, 'debian', { connection: h.connection });
    expect(again).toMatchObject({
      status: 'up-to-date',
      golden: { status: 'up-to-date', vmid: 9050, fingerprint },
      proxmoxRequests: { mutating: 0 },
    });
    const log = await h.logSince(mark);
    expect(log.length).toBeGreaterThan(0);
    expect(log.filter((e) => MUTATING.has(e.method))).toEqual([]);
  });
});
