import { describe, expect, it } from 'vitest';
import { TOOL_ENV_PASS, toolEnvironment } from './tool-env';

/** A user's shell as it often is: credentials of every kind next to what tools need. */
const PARENT: NodeJS.ProcessEnv = {
  PATH: '/cache/bin:/usr/bin',
  HOME: '/home/u',
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
  TMPDIR: '/tmp/run',
  PACKER_PLUGIN_PATH: '/cache/packer-plugins',
  TF_CLI_CONFIG_FILE: '/cache/tofu/cli.tfrc',
  ANSIBLE_NOCOLOR: '1',
  SSL_CERT_FILE: '/tmp/run/trust.pem',
  PKR_VAR_proxmox_token: 'shell-token',
  TF_VAR_proxmox_api_token: 'shell-tf-token',
  PROXMOX_VE_API_TOKEN: 'root@pam!x=shell',
  SOPS_AGE_KEY: 'age-identity',
  SOPS_AGE_KEY_FILE: '/home/u/.config/sops/age/keys.txt',
  AWS_SECRET_ACCESS_KEY: 'aws',
  GITHUB_TOKEN: 'gh',
  SSH_AUTH_SOCK: '/tmp/agent.sock',
};
const CREDENTIALS = [
  'PKR_VAR_proxmox_token',
  'TF_VAR_proxmox_api_token',
  'PROXMOX_VE_API_TOKEN',
  'SOPS_AGE_KEY',
  'SOPS_AGE_KEY_FILE',
  'AWS_SECRET_ACCESS_KEY',
  'GITHUB_TOKEN',
  'SSH_AUTH_SOCK',
];

describe('toolEnvironment', () => {
  it.each(Object.keys(TOOL_ENV_PASS) as Array<keyof typeof TOOL_ENV_PASS>)(
    '%s gets no credential from the parent environment',
    (tool) => {
      const env = toolEnvironment(tool, { from: PARENT });
      for (const name of CREDENTIALS) expect(env).not.toHaveProperty(name);
      expect(env).toMatchObject({ PATH: PARENT.PATH, HOME: PARENT.HOME, LC_ALL: 'C.UTF-8' });
    },
  );

  it('packer gets its plugin path, TLS trust and the Ansible settings its shell-local provisioner passes on', () => {
    expect(toolEnvironment('packer', { from: PARENT })).toEqual({
      PATH: PARENT.PATH,
      HOME: PARENT.HOME,
      LANG: 'C.UTF-8',
      LC_ALL: 'C.UTF-8',
      TMPDIR: '/tmp/run',
      PACKER_PLUGIN_PATH: '/cache/packer-plugins',
      SSL_CERT_FILE: '/tmp/run/trust.pem',
      ANSIBLE_NOCOLOR: '1',
    });
  });

  it('tofu gets its CLI config and trust, not Packer or Ansible settings', () => {
    const env = toolEnvironment('tofu', { from: PARENT });
    expect(env.TF_CLI_CONFIG_FILE).toBe('/cache/tofu/cli.tfrc');
    expect(env.SSL_CERT_FILE).toBe('/tmp/run/trust.pem');
    expect(env).not.toHaveProperty('PACKER_PLUGIN_PATH');
    expect(env).not.toHaveProperty('ANSIBLE_NOCOLOR');
  });

  it('explicit values are added and win: the run sets the secrets it means to hand over', () => {
    const env = toolEnvironment('tofu', { from: PARENT, env: { TF_VAR_node: 'pve', TMPDIR: '/tmp/own' } });
    expect(env).toMatchObject({ TF_VAR_node: 'pve', TMPDIR: '/tmp/own' });
  });

  it('no allowlist names a credential-shaped variable', () => {
    const all = Object.values(TOOL_ENV_PASS).flat();
    for (const name of all)
      expect(name).not.toMatch(/TOKEN|SECRET|PASSWORD|_VAR_|^PROXMOX_|AGE_KEY|AUTH_SOCK/);
  });
});
