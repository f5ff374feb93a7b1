import { generateKeyPairSync } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { clearSecretsForTests, registerSecret } from '@infra/core';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { withSecretFifo } from './secret-fifo';
import {
  assertNoSecretsInArgs,
  packerProxmoxEnv,
  proxmoxApiToken,
  runWithSecrets,
  tofuProxmoxEnv,
  toolVariables,
} from './secrets-to-tools';

const secrets = {
  proxmox: { tokenId: 'infra@pve!build', tokenSecret: 'aaaabbbb-cccc-4ddd-8eee-ffff00001111' },
};

afterEach(() => clearSecretsForTests());

describe('environment variables for tools', () => {
  it('prefixes OpenTofu and Packer variables and rejects names they cannot take', () => {
    expect(toolVariables('TF_VAR_', { proxmox_api_token: 'x' })).toEqual({ TF_VAR_proxmox_api_token: 'x' });
    expect(toolVariables('PKR_VAR_', { token: 'y' })).toEqual({ PKR_VAR_token: 'y' });
    expect(() => toolVariables('TF_VAR_', { 'bad-name': 'z' })).toThrow(
      /cannot be an OpenTofu\/Packer variable name/,
    );
  });

  it('builds the token forms the bpg provider and the Packer plugin read', () => {
    expect(proxmoxApiToken(secrets)).toBe('infra@pve!build=aaaabbbb-cccc-4ddd-8eee-ffff00001111');
    expect(tofuProxmoxEnv(secrets)).toEqual({
      PROXMOX_VE_API_TOKEN: 'infra@pve!build=aaaabbbb-cccc-4ddd-8eee-ffff00001111',
    });
    expect(packerProxmoxEnv(secrets)).toEqual({
      PROXMOX_USERNAME: 'infra@pve!build',
      PROXMOX_TOKEN: secrets.proxmox.tokenSecret,
    });
  });
});

describe('runWithSecrets', () => {
  it('hands a secret over in the environment, and redacts it from the output', async () => {
    registerSecret(secrets.proxmox.tokenSecret);
    const result = await runWithSecrets(
      'sh',
      ['-c', 'echo "got $TF_VAR_token"; echo "err $TF_VAR_token" >&2; test -n "$TF_VAR_token"'],
      {
        env: toolVariables('TF_VAR_', { token: secrets.proxmox.tokenSecret }),
        stream: false,
      },
    );
    expect(result).toEqual({ exitCode: 0, stdout: 'got ***\n', stderr: 'err ***\n' });
  });

  it('redacts every line of a multi-line secret the child prints (output is redacted line by line)', async () => {
    const { privateKey } = generateKeyPairSync('ed25519', {
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    registerSecret(privateKey);
    const result = await runWithSecrets('sh', ['-c', 'printf "key:\\n%s\\n" "$KEY"'], {
      env: { KEY: privateKey },
      stream: false,
    });
    const body = privateKey.split('\n').filter((line) => line && !line.startsWith('-----'));
    expect(body.length).toBeGreaterThan(0);
    for (const line of body) expect(result.stdout).not.toContain(line);
    expect(result.stdout).toBe('key:\n***\n');
  });

  it('gives the child only the environment it is handed, never ours', async () => {
    process.env.INFRA_TEST_PARENT_SECRET = 'parent-only-value';
    try {
      const result = await runWithSecrets('sh', ['-c', 'env'], {
        env: { PATH: process.env.PATH ?? '', ONLY_THIS: '1' },
        stream: false,
      });
      expect(result.stdout).toContain('ONLY_THIS=1');
      expect(result.stdout).not.toContain('parent-only-value');
      const bare = await runWithSecrets('sh', ['-c', 'env'], { stream: false });
      expect(bare.stdout).not.toContain('parent-only-value');
      expect(bare.stdout).toContain(`PATH=${process.env.PATH}`);
    } finally {
      delete process.env.INFRA_TEST_PARENT_SECRET;
    }
  });

  it('hands secrets over on inherited descriptors 3, 4, ...', async () => {
    const script =
      'const fs = require("node:fs"); process.stdout.write(fs.readFileSync(3, "utf8") + "|" + fs.readFileSync(4, "utf8"))';
    const result = await runWithSecrets(process.execPath, ['-e', script], {
      fds: ['first-secret', 'second-secret'],
      stream: false,
    });
    expect(result.stdout).toBe('first-secret|second-secret');
    const shell = await runWithSecrets(
      'sh',
      ['-c', 'read -r value <&3; printf "len %s" "$(printf %s "$value" | wc -c)"'],
      {
        fds: ['twelve-chars'],
        stream: false,
      },
    );
    expect(shell.stdout).toBe('len 12');
  });

  it('never shows the secret on the command line of the running child', async () => {
    const probe =
      'const fs = require("node:fs"); process.stdout.write(fs.readFileSync("/proc/self/cmdline", "utf8"))';
    const result = await runWithSecrets(process.execPath, ['-e', probe], {
      env: { PROXMOX_TOKEN: 'cmdline-probe-secret' },
      stream: false,
    });
    expect(result.stdout).toContain('cmdline');
    expect(result.stdout).not.toContain('cmdline-probe-secret');
  });

  it('refuses a command line that carries a registered secret or a token shape', async () => {
    registerSecret('registered-secret-value');
    expect(() => assertNoSecretsInArgs('tofu', ['apply', '-var', 'token=registered-secret-value'])).toThrow(
      /argument 3 carries a secret/,
    );
    expect(() => assertNoSecretsInArgs('curl', ['-H', 'Authorization: PVEAPIToken=a@pve!b=c0ffee'])).toThrow(
      /SECRET|secret/,
    );
    await expect(runWithSecrets('echo', ['registered-secret-value'])).rejects.toMatchObject({
      code: 'SECRET_ON_COMMAND_LINE',
    });
    expect(() => assertNoSecretsInArgs('tofu', ['plan', '-input=false'])).not.toThrow();
  });

  it('names a missing tool', async () => {
    await expect(runWithSecrets('no-such-tool-xyz', [])).rejects.toMatchObject({ code: 'TOOL_MISSING' });
  });
});

describe('withSecretFifo', () => {
  it('gives a path the tool can read once, and leaves nothing on disk', async () => {
    let seenPath = '';
    const output = await withSecretFifo('vault-password-123', async (path) => {
      seenPath = path;
      const info = await stat(path);
      expect(info.isFIFO()).toBe(true);
      expect(info.mode & 0o777).toBe(0o600);
      expect((await stat(dirname(path))).mode & 0o777).toBe(0o700);
      return (await execa('cat', [path])).stdout;
    });
    expect(output).toBe('vault-password-123');
    await expect(stat(dirname(seenPath))).rejects.toThrow();
  });

  it('cleans up when the tool never opens the pipe', async () => {
    let seenPath = '';
    await withSecretFifo('never-read', async (path) => {
      seenPath = path;
    });
    await expect(stat(dirname(seenPath))).rejects.toThrow();
  });
});
