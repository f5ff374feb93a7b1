import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfraError } from '@infra/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan } from './apply/apply';
import { manifestSchema } from './apply/backup-set';
import { rollbackLatest } from './apply/rollback';
import { readFactsBundle, writeFactsBundle } from './facts/bundle';
import { collectFacts } from './facts/collect';
import type { RawFacts } from './facts/raw-facts';
import { SshHost } from './host/ssh-host';
import { planHost } from './plan/planner';
import { composeBundle, PVE_BLACKLIST, STOCK_GRUB, STOCK_MODULES } from './testing/bundles';
import { createFakeHost, type FakeHost } from './testing/fake-host';
import { fixture } from './testing/fixtures';
import { startSshd, type TestSshd } from './testing/sshd';
import { lastApplied, verifyFacts } from './verify/verify';

/** The MS-A2-like host before any passthrough setup (plain GRUB, GPU on nouveau); iommu=pt is asked for. */
const FRESH_CMDLINE = fixture('proc-cmdline-grub-lvm-amd.txt').replace(
  ' amd_iommu=on iommu=pt pcie_aspm=off',
  '',
);
const baseFacts = (): RawFacts =>
  composeBundle({
    cpu: 'amd',
    gpu: 'sff-nouveau',
    kernelRelease: '6.14.11-4-pve',
    procCmdline: FRESH_CMDLINE,
    bootTool: { fixture: 'proxmox-boot-tool-status-plain-grub.txt', exitCode: 2 },
    files: {
      '/etc/default/grub': STOCK_GRUB,
      '/etc/modules': STOCK_MODULES,
      '/etc/modprobe.d/pve-blacklist.conf': PVE_BLACKLIST,
    },
  });
const OPTIONS = { iommuPassthrough: true };
const BACKUP_ROOT = '/var/backups/infra-gpu-host';
const GRUB_MODE = 0o640; // unusual on purpose: apply and rollback must keep it

/** sha256 + mode of every file below dir (except the backup store): "did anything change?" */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    if (!entry.isFile() || path.includes('/var/backups/')) continue;
    const info = await stat(path);
    out[path.slice(dir.length)] = `${(info.mode & 0o7777).toString(8)} ${createHash('sha256')
      .update(await readFile(path))
      .digest('hex')}`;
  }
  return out;
}

async function infraError(promise: Promise<unknown>): Promise<InfraError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof InfraError) return error;
    throw error;
  }
  throw new Error('expected an InfraError');
}

let work: string;
let sshd: TestSshd;
let binDir: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'infra-gpu-e2e-'));
  binDir = join(work, 'bin');
  await mkdir(join(work, 'sshd'));
  sshd = await startSshd(join(work, 'sshd'), binDir);
});

afterAll(async () => {
  await sshd?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** A fresh fake host root in `work/<name>`; stand-ins go to the shared bin dir on the sshd PATH via a symlink. */
async function fakeHost(name: string, facts: RawFacts): Promise<FakeHost> {
  const host = await createFakeHost(join(work, name), facts, { '/etc/default/grub': GRUB_MODE });
  await rm(binDir, { force: true, recursive: true });
  execFileSync('ln', ['-s', host.bin, binDir]);
  return host;
}

const connect = (root: string, overrides: Partial<Parameters<typeof SshHost.connect>[0]> = {}) =>
  SshHost.connect({
    target: sshd.target,
    identityFile: sshd.identityFile,
    knownHostsFile: sshd.knownHostsFile,
    root,
    ...overrides,
  });

describe('gpu-host-setup over real ssh', () => {
  it('collect → plan → apply → apply again → verify → rollback', async () => {
    const facts = baseFacts();
    const fake = await fakeHost('main', facts);
    const original = await snapshot(fake.root);
    const host = await connect(fake.root);
    try {
      // collect reads back exactly what the host holds
      const collected = await collectFacts(host);
      expect(collected).toEqual(facts);
      const bundleDir = join(work, 'bundle');
      await writeFactsBundle(bundleDir, collected);
      expect(await readFactsBundle(bundleDir)).toEqual(collected);

      // plan
      const plan = planHost(collected, OPTIONS);
      expect(plan.changes.map((c) => [c.path, c.action])).toEqual([
        ['/etc/default/grub', 'modify'],
        ['/etc/modprobe.d/infra-blacklist-nvidia.conf', 'create'],
        ['/etc/modprobe.d/infra-vfio.conf', 'create'],
        ['/etc/modules-load.d/infra-vfio.conf', 'create'],
      ]);

      // apply
      const result = await applyPlan(host, plan, collected, {
        now: () => new Date('2026-05-01T10:20:30.123Z'),
      });
      expect(result.status).toBe('applied');
      expect(result.backupDir).toBe(`${BACKUP_ROOT}/2026-05-01T10-20-30-123Z`);
      for (const change of plan.changes)
        expect(await readFile(join(fake.root, change.path), 'utf8')).toBe(change.after);
      expect(await readFile(join(fake.root, '/etc/default/grub'), 'utf8')).toContain(
        'GRUB_CMDLINE_LINUX_DEFAULT="quiet iommu=pt"',
      );
      expect((await stat(join(fake.root, '/etc/default/grub'))).mode & 0o777).toBe(GRUB_MODE);
      expect((await stat(join(fake.root, '/etc/modprobe.d/infra-vfio.conf'))).mode & 0o777).toBe(0o644);
      expect(await fake.commandLog()).toEqual(['update-initramfs -u -k all', 'update-grub']);

      // the backup set: manifest with modes and hashes, and a byte-identical copy of the edited file
      const setDir = join(fake.root, result.backupDir!);
      expect((await stat(setDir)).mode & 0o777).toBe(0o700);
      const manifest = manifestSchema.parse(
        JSON.parse(await readFile(join(setDir, 'manifest.json'), 'utf8')),
      );
      expect(manifest.status).toBe('applied');
      expect(manifest.entries.map((e) => [e.path, e.existed, e.mode])).toEqual([
        ['/etc/default/grub', true, GRUB_MODE],
        ['/etc/modprobe.d/infra-blacklist-nvidia.conf', false, undefined],
        ['/etc/modprobe.d/infra-vfio.conf', false, undefined],
        ['/etc/modules-load.d/infra-vfio.conf', false, undefined],
      ]);
      const sha = (text: string) => createHash('sha256').update(text).digest('hex');
      expect(manifest.entries[0]!.sha256Before).toBe(sha(STOCK_GRUB));
      expect(manifest.entries[0]!.sha256After).toBe(sha(plan.changes[0]!.after!));
      expect(await readFile(join(setDir, 'files/etc/default/grub'), 'utf8')).toBe(STOCK_GRUB);
      expect((await stat(join(setDir, 'files/etc/default/grub'))).mode & 0o777).toBe(GRUB_MODE);
      expect(manifest.commandResults).toEqual([
        { argv: ['update-initramfs', '-u', '-k', 'all'], exitCode: 0 },
        { argv: ['update-grub'], exitCode: 0 },
      ]);

      // apply again: nothing to do, nothing run, no new backup set
      const again = planHost(await collectFacts(host), OPTIONS);
      expect(again.compliant).toBe(true);
      expect(await applyPlan(host, again, collected)).toMatchObject({
        status: 'no-op',
        changed: [],
        commands: [],
      });
      expect(await fake.commandLog()).toHaveLength(2);
      expect(await readdir(join(fake.root, BACKUP_ROOT))).toEqual(['2026-05-01T10-20-30-123Z']);

      // verify before the reboot: configuration fine, runtime not yet
      const lastApply = await lastApplied(host, BACKUP_ROOT);
      const before = verifyFacts(await collectFacts(host), OPTIONS, lastApply);
      expect(before.ok).toBe(false);
      expect(before.checks.filter((c) => c.status === 'fail').map((c) => c.name)).toEqual([
        'kernel-cmdline',
        'vfio-bound',
      ]);

      // "reboot": the kernel now has iommu=pt and vfio-pci owns both functions
      await writeFile(join(fake.root, 'proc/cmdline'), `${FRESH_CMDLINE.trim()} iommu=pt\n`);
      await fake.setLspci(
        collected.lspci
          .replace('driver in use: nouveau', 'driver in use: vfio-pci')
          .replace(
            /driver in use: snd_hda_intel\n(\tKernel modules: snd_hda_intel\n)$/,
            'driver in use: vfio-pci\n$1',
          ),
      );
      const after = verifyFacts(await collectFacts(host), OPTIONS, lastApply);
      expect(after.checks.map((c) => [c.name, c.status])).toEqual([
        ['iommu-active', 'pass'],
        ['gpu-isolated', 'pass'],
        ['kernel-cmdline', 'pass'],
        ['vfio-bound', 'pass'],
        ['config-compliant', 'pass'],
        ['boot-vga', 'pass'],
        ['unchanged-since-apply', 'pass'],
        ['interrupt-remapping', 'pass'],
      ]);
      expect(after.ok).toBe(true);

      // something else changed in the watched config: verify says so
      await writeFile(
        join(fake.root, 'etc/modprobe.d/zz-local.conf'),
        'options snd_hda_intel power_save=0\n',
      );
      const drift = verifyFacts(await collectFacts(host), OPTIONS, lastApply);
      expect(drift.checks.find((c) => c.name === 'unchanged-since-apply')).toEqual({
        name: 'unchanged-since-apply',
        status: 'fail',
        detail: 'changed after the last apply: /etc/modprobe.d/zz-local.conf (added)',
      });
      await rm(join(fake.root, 'etc/modprobe.d/zz-local.conf'));
      await writeFile(join(fake.root, 'proc/cmdline'), FRESH_CMDLINE);

      // rollback: byte-identical files and modes, created files gone, refresh commands run again
      const rolledBack = await rollbackLatest(host);
      expect(rolledBack).toMatchObject({
        status: 'rolled-back',
        restored: ['/etc/default/grub'],
        removed: [
          '/etc/modprobe.d/infra-blacklist-nvidia.conf',
          '/etc/modprobe.d/infra-vfio.conf',
          '/etc/modules-load.d/infra-vfio.conf',
        ],
      });
      expect(await snapshot(fake.root)).toEqual(original);
      expect(await fake.commandLog()).toEqual([
        'update-initramfs -u -k all',
        'update-grub',
        'update-initramfs -u -k all',
        'update-grub',
      ]);
      expect(
        manifestSchema.parse(JSON.parse(await readFile(join(setDir, 'manifest.json'), 'utf8'))).status,
      ).toBe('rolled-back');
      expect((await rollbackLatest(host)).status).toBe('nothing-to-roll-back');
    } finally {
      await host.close();
    }
  });

  it('rollback refuses a file changed after the apply (unless forced)', async () => {
    const fake = await fakeHost('conflict', baseFacts());
    const host = await connect(fake.root);
    try {
      const facts = await collectFacts(host);
      await applyPlan(host, planHost(facts, OPTIONS), facts);
      await writeFile(join(fake.root, 'etc/modprobe.d/infra-vfio.conf'), 'edited by hand\n');
      const error = await infraError(rollbackLatest(host));
      expect(error.code).toBe('ROLLBACK_CONFLICT');
      expect(await readFile(join(fake.root, 'etc/modprobe.d/infra-vfio.conf'), 'utf8')).toBe(
        'edited by hand\n',
      );
      expect((await rollbackLatest(host, { force: true })).status).toBe('rolled-back');
      expect(await readFile(join(fake.root, 'etc/default/grub'), 'utf8')).toBe(STOCK_GRUB);
    } finally {
      await host.close();
    }
  });
});

describe('bad input: each a clear error, no file changed', () => {
  it('unreachable host', async () => {
    const closedPort = sshd.port === 1 ? 2 : 1; // nothing listens on port 1 on loopback
    const error = await infraError(
      SshHost.connect({
        target: `root@127.0.0.1:${closedPort}`,
        knownHostsFile: sshd.knownHostsFile,
        connectTimeoutSeconds: 3,
      }),
    );
    expect(error.code).toBe('SSH_UNREACHABLE');
    expect(error.message).toContain('Connection refused');
  });

  it('wrong key', async () => {
    const error = await infraError(connect('/', { identityFile: sshd.wrongIdentityFile }));
    expect(error.code).toBe('SSH_AUTH_FAILED');
    expect(error.message).toContain('Permission denied');
  });

  it('unknown host key (host key checking is on)', async () => {
    const empty = join(work, 'empty_known_hosts');
    await writeFile(empty, '');
    expect((await infraError(connect('/', { knownHostsFile: empty }))).code).toBe('SSH_HOST_KEY_UNVERIFIED');
  });

  const refused = async (name: string, facts: RawFacts, code: string) => {
    const fake = await fakeHost(name, facts);
    const before = await snapshot(fake.root);
    const host = await connect(fake.root);
    try {
      const collected = await collectFacts(host);
      const error = await infraError(
        (async () => applyPlan(host, planHost(collected, OPTIONS), collected))(),
      );
      expect(error.code).toBe(code);
      expect(await snapshot(fake.root)).toEqual(before);
      expect(await fake.commandLog()).toEqual([]);
      return error;
    } finally {
      await host.close();
    }
  };

  it('no NVIDIA GPU', async () => {
    const facts = baseFacts();
    facts.lspci = facts.lspci.split('\n01:00.0')[0]!;
    await refused('no-gpu', facts, 'GPU_NOT_FOUND');
  });

  it('two GPUs without a selector', async () => {
    const facts = baseFacts();
    facts.lspci += fixture('lspci-nnk-rtx3080-nvidia-driver.txt');
    facts.iommuGroups +=
      '/sys/kernel/iommu_groups/13/devices/0000:3e:00.0\n/sys/kernel/iommu_groups/13/devices/0000:3e:00.1\n';
    const error = await refused('two-gpus', facts, 'GPU_AMBIGUOUS');
    expect(error.message).toContain('0000:01:00.0');
    expect(error.message).toContain('0000:3e:00.0');
  });

  it('unknown bootloader state', async () => {
    const facts = baseFacts();
    facts.bootToolStatus = { output: 'E: unexpected failure\n', exitCode: 1 };
    await refused('bootloader', facts, 'BOOTLOADER_UNKNOWN');
  });

  it('unwritable location: caught before anything is written', async () => {
    const facts = baseFacts();
    const fake = await fakeHost('not-a-dir', facts);
    // /etc/modules-load.d is a plain file here, so the new file cannot be created.
    await writeFile(join(fake.root, 'etc/modules-load.d'), 'not a directory\n');
    const before = await snapshot(fake.root);
    const host = await connect(fake.root);
    try {
      const collected = await collectFacts(host);
      const error = await infraError(applyPlan(host, planHost(collected, OPTIONS), collected));
      expect(error.code).toBe('HOST_FILE_UNWRITABLE');
      expect(error.message).toContain('/etc/modules-load.d is not a directory');
      expect(await snapshot(fake.root)).toEqual(before);
      expect(await fake.commandLog()).toEqual([]);
    } finally {
      await host.close();
    }
  });

  const chattrWorks = (() => {
    if (process.getuid?.() !== 0) return false;
    try {
      execFileSync('sh', ['-c', 't=$(mktemp) && chattr +i "$t" && chattr -i "$t" && rm -f "$t"'], {
        stdio: 'ignore',
      });
      return true;
    } catch {
      return false;
    }
  })();

  it.runIf(chattrWorks)(
    'unwritable file found part-way: the files already written are put back',
    async () => {
      const facts = baseFacts();
      // A stale owned file from an earlier run; it sorts last, so three files are written before it fails.
      facts.files['/etc/modules-load.d/infra-vfio.conf'] = 'vfio\n';
      const fake = await fakeHost('immutable', facts);
      const target = join(fake.root, 'etc/modules-load.d/infra-vfio.conf');
      execFileSync('chattr', ['+i', target]);
      try {
        const before = await snapshot(fake.root);
        const host = await connect(fake.root);
        try {
          const collected = await collectFacts(host);
          const plan = planHost(collected, OPTIONS);
          expect(plan.changes.at(-1)).toMatchObject({
            path: '/etc/modules-load.d/infra-vfio.conf',
            action: 'modify',
          });
          const error = await infraError(applyPlan(host, plan, collected));
          expect(error.code).toBe('HOST_FILE_UNWRITABLE');
          expect(error.message).toContain('/etc/modules-load.d/infra-vfio.conf');
          expect(await snapshot(fake.root)).toEqual(before);
          expect(await fake.commandLog()).toEqual([]);
          // the aborted set is kept for the record but is not something rollback would restore
          expect((await rollbackLatest(host)).status).toBe('nothing-to-roll-back');
        } finally {
          await host.close();
        }
      } finally {
        execFileSync('chattr', ['-i', target]);
      }
    },
  );
});
