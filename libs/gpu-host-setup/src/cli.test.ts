import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeBundle, PVE_BLACKLIST, STOCK_GRUB, STOCK_MODULES } from './testing/bundles';
import { createFakeHost, type FakeHost } from './testing/fake-host';
import { fixture } from './testing/fixtures';

const REPO = resolve(import.meta.dirname, '../../..');
const SCRIPT = join(REPO, 'scripts/gpu-host.ts');
const TSX = join(REPO, 'node_modules/.bin/tsx');

let work: string;
let fake: FakeHost;

function gpuHost(...args: string[]) {
  const result = spawnSync(TSX, [SCRIPT, ...args], {
    cwd: REPO,
    env: { ...process.env, PATH: `${fake.bin}:${process.env.PATH}`, NO_COLOR: '1' },
    input: '',
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'infra-gpu-cli-'));
  fake = await createFakeHost(
    work,
    composeBundle({
      cpu: 'amd',
      gpu: 'sff-nouveau',
      kernelRelease: '6.14.11-4-pve',
      procCmdline: fixture('proc-cmdline-grub-lvm-amd.txt'),
      bootTool: { fixture: 'proxmox-boot-tool-status-plain-grub.txt', exitCode: 2 },
      files: {
        '/etc/default/grub': STOCK_GRUB.replace('"quiet"', '"quiet amd_iommu=on iommu=pt pcie_aspm=off"'),
        '/etc/modules': STOCK_MODULES,
        '/etc/modprobe.d/pve-blacklist.conf': PVE_BLACKLIST,
      },
    }),
  );
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('scripts/gpu-host.ts', () => {
  it('collect --out, then plan --facts --json from the bundle', () => {
    const bundle = join(work, 'bundle');
    const collected = gpuHost('collect', '--local', '--root', fake.root, '--out', bundle);
    expect(collected.code, collected.stderr).toBe(0);
    expect(collected.stdout).toContain(`bundle in ${bundle}`);
    const planned = gpuHost('plan', '--facts', bundle, '--json');
    expect(planned.code, planned.stderr).toBe(0);
    const plan = JSON.parse(planned.stdout);
    expect(plan.changes.map((c: { path: string }) => c.path)).toEqual([
      '/etc/modprobe.d/infra-blacklist-nvidia.conf',
      '/etc/modprobe.d/infra-vfio.conf',
      '/etc/modules-load.d/infra-vfio.conf',
    ]);
    expect(plan.compliant).toBe(false);
  });

  it('apply needs a confirmation, applies with --yes, is a no-op the second time, and rolls back', async () => {
    const refused = gpuHost('apply', '--local', '--root', fake.root);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('[CONFIRMATION_REQUIRED]');
    expect(refused.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(await readdir(join(fake.root, 'etc/modprobe.d'))).toEqual(['pve-blacklist.conf']);

    const applied = gpuHost('apply', '--local', '--root', fake.root, '--yes');
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('+options vfio-pci ids=10de:27b0,10de:22bc');
    expect(applied.stdout).toContain('The host was NOT rebooted');
    expect(await readFile(join(fake.root, 'etc/modprobe.d/infra-vfio.conf'), 'utf8')).toContain(
      'options vfio-pci ids=10de:27b0,10de:22bc\n',
    );
    expect(await fake.commandLog()).toEqual(['update-initramfs -u -k all']);

    const again = gpuHost('apply', '--local', '--root', fake.root, '--yes');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe(
      'nothing to change; the configuration is in place but not active yet: reboot the host, then run verify',
    );
    const verify = gpuHost('verify', '--local', '--root', fake.root, '--json');
    expect(verify.code).toBe(1);
    expect(
      JSON.parse(verify.stdout).checks.find((c: { name: string }) => c.name === 'vfio-bound').status,
    ).toBe('fail');

    const rolledBack = gpuHost('rollback', '--local', '--root', fake.root);
    expect(rolledBack.code, rolledBack.stderr).toBe(0);
    expect(await readdir(join(fake.root, 'etc/modprobe.d'))).toEqual(['pve-blacklist.conf']);
    expect(await fake.commandLog()).toEqual(['update-initramfs -u -k all', 'update-initramfs -u -k all']);
  });
});
