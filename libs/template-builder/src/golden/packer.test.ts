import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Environment, loadEnvironment } from '@infra/config';
import { loadSecrets } from '@infra/sops-secrets';
import { findOnPath, toolchainEnvironment } from '@infra/validators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../testing/harness';
import { packerReadiness, runPackerBuild } from './packer';

/**
 * The Packer stage's wiring, with a stand-in `packer` executable that records what it was given (this machine has
 * no Proxmox host that runs guests, so a real `packer build` cannot happen here). What is checked is ours: the
 * token arrives neither on argv nor in Packer's environment (which its shell-local provisioner hands to
 * ansible-playbook: the stand-in runs a recording `ansible-playbook` the same way) but in a 0600 var file; the
 * key is a 0600 file in a 0700 dir, both removed afterwards; the VMIDs and variables come from the config.
 * The stand-ins read their settings from files in `dir`: Packer gets no variable it does not need.
 */
const _repoRoot = resolve(import.meta.dirname, '../../../..');
const recorder = (dir: string) => `#!/bin/sh
D='${dir}'
if [ "$1" = plugins ]; then cat "$D/plugin-line.txt"; exit 0; fi
for arg in "$@"; do case "$arg" in -var-file=*) varfile="\${arg#-var-file=}";; esac; done
key="$PKR_VAR_ssh_private_key_file"
{
  echo "ARGS=$*"
  echo "CWD=$(pwd)"
  echo "KEYMODE=$(stat -c %a "$key")"
  echo "DIRMODE=$(stat -c %a "$(dirname "$key")")"
  echo "VARFILEMODE=$(stat -c %a "$varfile")"
  printf 'VARFILE=%s\n' "$(cat "$varfile")"
  env | sort | sed 's/^/ENV /'
} > "$D/packer-run.txt"
ansible-playbook --version > /dev/null
exit "$(cat "$D/exit-code" 2>/dev/null || echo 0)"
`;
const PLUGIN_LINE = '/p/github.com/hashicorp/proxmox/packer-plugin-proxmox_v1.2.3_x5.0_linux_amd64';
const ANSIBLE_RECORDER = (dir: string) => `#!/bin/sh
env | sort > '${dir}/ansible-env.txt'
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
    await writeFile(join(dir, 'bin', 'packer'), recorder(dir));
    await chmod(join(dir, 'bin', 'packer'), 0o755);
    await writeFile(join(dir, 'bin', 'ansible-playbook'), ANSIBLE_RECORDER(dir));
    await chmod(join(dir, 'bin', 'ansible-playbook'), 0o755);
    await writeFile(join(dir, 'plugin-line.txt'), `${PLUGIN_LINE}\n`);
    env = {
      ...h.env,
      repoRoot: dir,
      proxmox: { ...h.env.proxmox, endpoint: h.sim.url, tls: { fingerprint: h.sim.fingerprint } },
      images: {
        debian: {
          version: '13',
          source: { url: 'https://example.org/debian-13.qcow2', checksum: `sha512:${'a'.repeat(128)}` },
          hardware: h.env.talos.hardware,
        },
      },
      // Demo secrets generated on first load under the temp repo's .infra/ (simulator credentials only).
      secrets: join(dir, '.infra', 'demo', 'local.enc.yaml'),
      ageKeyFile: join(dir, '.infra', 'demo', 'local.agekey'),
    };
    toolEnv = {
      PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}`,
      HOME: dir,
      PACKER_PLUGIN_PATH: join(dir, 'plugins'),
      // What a user's shell may hold: none of it is Packer's business.
      SOPS_AGE_KEY_FILE: join(dir, 'keys.txt'),
      PKR_VAR_proxmox_token: 'stale-token-from-the-shell',
      AWS_SECRET_ACCESS_KEY: 'unrelated-cloud-credential',
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
    await writeFile(join(dir, 'plugin-line.txt'), '');
    const noPlugin = await packerReadiness(host, toolEnv);
    await writeFile(join(dir, 'plugin-line.txt'), `${PLUGIN_LINE}\n`);
    expect(noPlugin.pluginInstalled).toBe(false);
    expect(await packerReadiness(host, { ...toolEnv, PATH: '/nonexistent' })).toMatchObject({
      packerFound: false,
    });
  });

  it('keeps the token off argv and out of the environment of Packer and what it runs: a 0600 var file, removed after', async () => {
    await h.client.createVm('pve', { vmid: 9000, name: 'base' });
    const secrets = await loadSecrets(env);
    const result = await runPackerBuild(env, 'debian', h.client, 9000, { toolEnv });
    expect(result).toEqual({ status: 'built', baseVmid: 9000, templateVmid: 9001 });
    const recorded = await readFile(join(dir, 'packer-run.txt'), 'utf8');
    const args = recorded.split('\n').find((l) => l.startsWith('ARGS=')) ?? '';
    expect(args).toMatch(/^ARGS=build -color=false -var-file=\/\S+\/token\.pkrvars\.json \.$/);
    expect(recorded).toContain(`CWD=${join(dir, 'packer', 'debian')}\n`);
    expect(recorded).toContain('KEYMODE=600\n');
    expect(recorded).toContain('DIRMODE=700\n');
    expect(recorded).toContain('VARFILEMODE=600\n');
    expect(recorded).toContain(`VARFILE=${JSON.stringify({ proxmox_token: secrets.proxmox.tokenSecret })}\n`);

    const packerEnv = recorded
      .split('\n')
      .filter((l) => l.startsWith('ENV '))
      .map((l) => l.slice(4));
    const ansibleEnv = (await readFile(join(dir, 'ansible-env.txt'), 'utf8')).split('\n');
    for (const childEnv of [packerEnv, ansibleEnv]) {
      expect(childEnv.join('\n')).not.toContain(secrets.proxmox.tokenSecret);
      expect(childEnv.join('\n')).not.toMatch(/stale-token|unrelated-cloud|SOPS_AGE_KEY|AWS_/);
    }
    expect(packerEnv).toEqual(
      expect.arrayContaining([
        `PKR_VAR_proxmox_username=${secrets.proxmox.tokenId}`,
        'PKR_VAR_base_vm_id=9000',
        'PKR_VAR_template_vm_id=9001',
        `PACKER_PLUGIN_PATH=${join(dir, 'plugins')}`,
      ]),
    );
    expect(packerEnv.filter((l) => l.startsWith('PKR_VAR_proxmox_token'))).toEqual([]);
    // The pinned host's certificate is Packer's trust (SSL_CERT_FILE), verification stays on, the file is removed.
    expect(packerEnv).toContain('PKR_VAR_proxmox_insecure_skip_tls_verify=false');
    const certFile = /^SSL_CERT_FILE=(.+)$/m.exec(packerEnv.join('\n'))?.[1] ?? '';
    expect(certFile).not.toBe('');
    await expect(stat(certFile)).rejects.toMatchObject({ code: 'ENOENT' });
    const keyFile = /PKR_VAR_ssh_private_key_file=(.*)/.exec(recorded)?.[1] ?? '';
    expect(keyFile).toMatch(/id_ed25519$/);
    await expect(stat(resolve(keyFile, '..'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('windows (proxmox-iso, no base VM): a one-time build password, in the var file with the answer file only', async () => {
    const catalog = await loadEnvironment('local', { file: join(_repoRoot, 'infra.config.yaml') });
    const windowsEnv = { ...env, images: { windows: catalog.images.windows! } };
    await mkdir(join(dir, 'packer', 'windows'), { recursive: true });
    const result = await runPackerBuild(windowsEnv, 'windows', h.client, undefined, { toolEnv });
    expect(result).toMatchObject({ status: 'built' });
    expect(result).not.toHaveProperty('baseVmid');
    const recorded = await readFile(join(dir, 'packer-run.txt'), 'utf8');
    const varFile = JSON.parse(/^VARFILE=(.*)$/m.exec(recorded)?.[1] ?? '{}') as Record<string, string>;
    const password = varFile.build_password ?? '';
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}aA1!$/);
    expect(password).not.toBe('Validate-Only-Placeholder-1');
    expect(varFile.autounattend_xml).toContain(password);
    const packerEnv = recorded
      .split('\n')
      .filter((l) => l.startsWith('ENV '))
      .join('\n');
    expect(packerEnv).not.toContain(password);
    expect(packerEnv).not.toMatch(/PKR_VAR_(build_password|autounattend_xml|base_vm_id)=/);
    expect(packerEnv).toMatch(/PKR_VAR_iso_file=local:iso\/windows-2025-source-[0-9a-f]{12}\.iso/);
    // Another build, another password.
    await runPackerBuild(windowsEnv, 'windows', h.client, undefined, { toolEnv });
    const again = JSON.parse(
      /^VARFILE=(.*)$/m.exec(await readFile(join(dir, 'packer-run.txt'), 'utf8'))?.[1] ?? '{}',
    );
    expect(again.build_password).not.toBe(password);
  });

  it('the real packer: its shell-local provisioner (how ansible-playbook runs) sees no token, the build gets it', async () => {
    // A template with Packer's built-in null source in the place of packer/debian: the real Packer runs the real
    // shell-local provisioner with exactly the environment and var file runPackerBuild hands over.
    const real = await mkdtemp(join(tmpdir(), 'packer-real-'));
    try {
      await mkdir(join(real, 'packer', 'debian'), { recursive: true });
      await writeFile(
        join(real, 'packer', 'debian', 'probe.pkr.hcl'),
        [
          'variable "proxmox_token" {',
          '  type      = string',
          '  sensitive = true',
          '}',
          'source "null" "probe" { communicator = "none" }',
          'build {',
          '  sources = ["source.null.probe"]',
          '  provisioner "shell-local" {',
          `    inline = ["env > ${join(real, 'shell-local-env.txt')}", "test -n '\${var.proxmox_token}' && echo token-reached-the-build > ${join(real, 'build.txt')}"]`,
          '  }',
          '}',
          '',
        ].join('\n'),
      );
      const realToolEnv = toolchainEnvironment({ PATH: process.env.PATH, HOME: real, TMPDIR: tmpdir() });
      expect(
        await findOnPath('packer', realToolEnv),
        'packer is not installed: run ./infra setup',
      ).toBeDefined();
      const secrets = await loadSecrets(env);
      const result = await runPackerBuild({ ...env, repoRoot: real }, 'debian', h.client, 9000, {
        toolEnv: {
          ...realToolEnv,
          SOPS_AGE_KEY_FILE: join(dir, 'keys.txt'),
          AWS_SECRET_ACCESS_KEY: 'x-cred',
        },
      });
      expect(result.status).toBe('built');
      expect(await readFile(join(real, 'build.txt'), 'utf8')).toBe('token-reached-the-build\n');
      const shellEnv = await readFile(join(real, 'shell-local-env.txt'), 'utf8');
      expect(shellEnv).toContain('PKR_VAR_base_vm_id=9000');
      expect(shellEnv).not.toContain(secrets.proxmox.tokenSecret);
      expect(shellEnv).not.toMatch(/SOPS_AGE_KEY|AWS_SECRET|x-cred/);
    } finally {
      await rm(real, { recursive: true, force: true });
    }
  }, 120_000);

  it('a failing packer build is PACKER_BUILD_FAILED, keeps the base template, removes the key', async () => {
    await writeFile(join(dir, 'exit-code'), '3');
    const error = await runPackerBuild(env, 'debian', h.client, 9000, { toolEnv }).catch((e: unknown) => e);
    await rm(join(dir, 'exit-code'));
    expect(error).toMatchObject({ code: 'PACKER_BUILD_FAILED', hint: expect.stringContaining('VM 9000') });
    const keyFile = /PKR_VAR_ssh_private_key_file=(.*)/.exec(
      await readFile(join(dir, 'packer-run.txt'), 'utf8'),
    )?.[1];
    await expect(stat(resolve(keyFile ?? '/nonexistent-x', '..'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
