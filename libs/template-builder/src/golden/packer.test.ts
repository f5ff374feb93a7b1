import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Environment } from '@infra/config';
import { loadSecrets } from '@infra/sops-secrets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../testing/harness';
import { packerReadiness, runPackerBuild } from './packer';

/**
 * The Packer stage's wiring, with a stand-in `packer` executable that records what it was given (this machine has
 * no Proxmox host that runs guests, so a real `packer build` cannot happen here). What is checked is ours: the
 * token arrives only in the environment, never argv; the key is a 0600 file in a 0700 dir, removed afterwards;
 * the VMIDs and variables come from the config.
 */
const repoRoot = resolve(import.meta.dirname, '../../../..');
const RECORDER = `#!/bin/sh
if [ "$1" = plugins ]; then printf '%s\\n' "$FAKE_PLUGIN_LINE"; exit 0; fi
key="$PKR_VAR_ssh_private_key_file"
{
  echo "ARGS=$*"
  echo "CWD=$(pwd)"
  echo "KEYMODE=$(stat -c %a "$key")"
  echo "DIRMODE=$(stat -c %a "$(dirname "$key")")"
  env | grep '^PKR_VAR_' | sort
} > "$FAKE_PACKER_OUT"
exit "\${FAKE_PACKER_EXIT:-0}"
`;

describe('Packer stage wiring', () => {
  let h: Harness;
  let dir: string;
  let env: Environment;
  let toolEnv: Record<string, string>;
  beforeAll(async () => {
    h = await startHarness();
    dir = await mkdtemp(join(tmpdir(), 'packer-stage-'));
    await mkdir(join(dir, 'bin'));
    await mkdir(join(dir, 'packer', 'debian'), { recursive: true });
    await writeFile(join(dir, 'bin', 'packer'), RECORDER);
    await chmod(join(dir, 'bin', 'packer'), 0o755);
    env = {
      ...h.env,
      repoRoot: dir,
      proxmox: { ...h.env.proxmox, endpoint: h.sim.url },
      images: {
        debian: {
          version: '13',
          source: { url: 'https://example.org/debian-13.qcow2', checksum: `sha512:${'a'.repeat(128)}` },
          hardware: h.env.talos.hardware,
        },
      },
      // The committed demo secrets and their demo key (they only protect simulator credentials).
      secrets: join(repoRoot, 'secrets', 'local.enc.yaml'),
      ageKeyFile: join(repoRoot, 'secrets', 'local-demo.agekey'),
    };
    toolEnv = {
      PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}`,
      HOME: dir,
      FAKE_PACKER_OUT: join(dir, 'packer-run.txt'),
      FAKE_PLUGIN_LINE: '/p/github.com/hashicorp/proxmox/packer-plugin-proxmox_v1.2.3_x5.0_linux_amd64',
    };
  });
  afterAll(async () => {
    await h.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('is ready on a real endpoint with packer and the plugin; not without the plugin', async () => {
    const host = { baseOnly: false, runsGuests: true };
    expect(await packerReadiness(host, toolEnv)).toEqual({
      baseOnly: false,
      runsGuests: true,
      packerFound: true,
      pluginInstalled: true,
    });
    const noPlugin = await packerReadiness(host, { ...toolEnv, FAKE_PLUGIN_LINE: '' });
    expect(noPlugin.pluginInstalled).toBe(false);
    expect(await packerReadiness(host, { ...toolEnv, PATH: '/nonexistent' })).toMatchObject({
      packerFound: false,
    });
  });

  it('passes the token via PKR_VAR_ only, a 0600 key in a 0700 dir that is gone afterwards, and the VMIDs', async () => {
    await h.client.createVm('pve', { vmid: 9000, name: 'base' });
    const secrets = await loadSecrets(env);
    const result = await runPackerBuild(env, 'debian', h.client, 9000, { toolEnv });
    expect(result).toEqual({ status: 'built', baseVmid: 9000, templateVmid: 9001 });
    const recorded = await readFile(toolEnv.FAKE_PACKER_OUT!, 'utf8');
    expect(recorded).toContain('ARGS=build -color=false .\n');
    expect(recorded).toContain(`CWD=${join(dir, 'packer', 'debian')}\n`);
    expect(recorded).toContain('KEYMODE=600\n');
    expect(recorded).toContain('DIRMODE=700\n');
    expect(recorded).toContain(`PKR_VAR_proxmox_token=${secrets.proxmox.tokenSecret}\n`);
    expect(recorded).toContain(`PKR_VAR_proxmox_username=${secrets.proxmox.tokenId}\n`);
    expect(recorded).toContain('PKR_VAR_base_vm_id=9000\n');
    expect(recorded).toContain('PKR_VAR_template_vm_id=9001\n');
    expect(recorded.split('\n').find((l) => l.startsWith('ARGS='))).not.toContain(
      secrets.proxmox.tokenSecret,
    );
    const keyFile = /PKR_VAR_ssh_private_key_file=(.*)/.exec(recorded)?.[1] ?? '';
    expect(keyFile).toMatch(/id_ed25519$/);
    await expect(stat(resolve(keyFile, '..'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a failing packer build is PACKER_BUILD_FAILED, keeps the base template, removes the key', async () => {
    const error = await runPackerBuild(env, 'debian', h.client, 9000, {
      toolEnv: { ...toolEnv, FAKE_PACKER_EXIT: '3' },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PACKER_BUILD_FAILED', hint: expect.stringContaining('VM 9000') });
    const keyFile = /PKR_VAR_ssh_private_key_file=(.*)/.exec(
      await readFile(toolEnv.FAKE_PACKER_OUT!, 'utf8'),
    )?.[1];
    await expect(stat(resolve(keyFile ?? '/nonexistent-x', '..'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
