import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isInfraError } from '@infra/core';
import {
  decryptData,
  encryptToFile,
  generateAgeKey,
  scanPaths,
  secretsProject,
  sopsContextFor,
  writeSopsConfig,
} from '@infra/sops-secrets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsDir } from './outputs';
import { exportCredentialsToSops } from './secrets-export';

/**
 * `scripts/cluster.ts export-secrets` with the real sops and age: the kubeconfig and talosconfig go into the
 * environment's SOPS file encrypted, decrypt with the environment's key, keep the file's other values, and no
 * plaintext copy is left anywhere but the 0600 credential files the stage wrote.
 */
let repo: string;
let keyFile: string;
let secretsFile: string;
let env: NodeJS.ProcessEnv;
let credentials: { kubeconfig: string; talosconfig: string };
// Generated per run: look like the real files, and carry a random marker a leak scan can find.
const clientKey = randomBytes(48).toString('base64');
const adminToken = randomBytes(32).toString('hex');
const talosconfigText = `context: homelab\ncontexts:\n  homelab:\n    endpoints: [192.168.1.21]\n    ca: ${randomBytes(24).toString('base64')}\n    crt: ${randomBytes(24).toString('base64')}\n    key: ${clientKey}\n`;
const kubeconfigText = `apiVersion: v1\nkind: Config\nclusters:\n- name: homelab\n  cluster: { server: 'https://192.168.1.21:6443' }\nusers:\n- name: admin@homelab\n  user: { token: ${adminToken} }\n`;

beforeAll(async () => {
  repo = await mkdtemp(join(tmpdir(), 'cluster-export-'));
  env = { PATH: process.env.PATH, HOME: join(repo, 'home'), XDG_CONFIG_HOME: join(repo, 'xdg') };
  keyFile = join(repo, 'keys', 'prod.txt');
  const recipient = await generateAgeKey(keyFile);
  env.SOPS_AGE_KEY_FILE = keyFile;
  await mkdir(join(repo, 'secrets'));
  await writeSopsConfig(join(repo, '.sops.yaml'), {
    creation_rules: [{ path_regex: '^secrets/.*\\.enc\\.(yaml|json)$', age: [recipient] }],
  });
  secretsFile = join(repo, 'secrets', 'prod.enc.yaml');
  const context = await sopsContextFor(secretsProject(repo, { env }), secretsFile);
  await encryptToFile(
    secretsFile,
    { proxmox: { tokenId: 'infra@pve!build', tokenSecret: 'keep-this-value' }, talos: { other: 'kept' } },
    context,
  );
  const dir = credentialsDir(repo, 'prod');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  credentials = { kubeconfig: join(dir, 'kubeconfig'), talosconfig: join(dir, 'talosconfig') };
  await writeFile(credentials.kubeconfig, kubeconfigText, { mode: 0o600 });
  await writeFile(credentials.talosconfig, talosconfigText, { mode: 0o600 });
}, 120_000);
afterAll(async () => {
  if (repo) await rm(repo, { recursive: true, force: true });
});

const environment = () => ({ repoRoot: repo, secrets: secretsFile });

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else out.push(path);
  }
  return out;
}

describe('exportCredentialsToSops', () => {
  it('puts both files into the SOPS file, encrypted, readable with the environment key', {
    timeout: 120_000,
  }, async () => {
    const result = await exportCredentialsToSops(environment(), credentials, { env });
    expect(result).toEqual({ changed: true, file: secretsFile });

    const context = await sopsContextFor(secretsProject(repo, { env }), secretsFile);
    expect(await decryptData(secretsFile, context)).toEqual({
      proxmox: { tokenId: 'infra@pve!build', tokenSecret: 'keep-this-value' },
      talos: { other: 'kept', talosconfig: talosconfigText },
      kubeconfig: kubeconfigText,
    });
    // Without the key it does not decrypt.
    const stranger = join(repo, 'keys', 'stranger.txt');
    await generateAgeKey(stranger);
    const strangerContext = await sopsContextFor(
      secretsProject(repo, { env: { ...env, SOPS_AGE_KEY_FILE: stranger } }),
      secretsFile,
    );
    await expect(decryptData(secretsFile, strangerContext)).rejects.toMatchObject({ code: 'SOPS_NO_KEY' });

    // No plaintext anywhere but the stage's own 0600 credential files: not in the SOPS file, not in a
    // leftover temp file in the repo, the secrets folder or the credentials folder.
    const needles = [
      { label: 'talosconfig client key', value: clientKey },
      { label: 'kubeconfig token', value: adminToken },
    ];
    const others = (await filesUnder(repo)).filter(
      (f) => f !== credentials.kubeconfig && f !== credentials.talosconfig,
    );
    expect(others).toContain(secretsFile);
    const scan = await scanPaths(others, needles);
    expect(scan.hits).toEqual([]);
    expect((await scanPaths([credentials.talosconfig], needles)).hits.length).toBeGreaterThan(0);
    expect((await readdir(join(repo, 'secrets'))).sort()).toEqual(['prod.enc.yaml']);
    expect(await readdir(credentialsDir(repo, 'prod'))).toEqual(['kubeconfig', 'talosconfig']);
    for (const file of [credentials.kubeconfig, credentials.talosconfig])
      expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('rewrites nothing when the same files are exported again', { timeout: 60_000 }, async () => {
    const before = await readFile(secretsFile, 'utf8');
    expect(await exportCredentialsToSops(environment(), credentials, { env })).toEqual({
      changed: false,
      file: secretsFile,
    });
    expect(await readFile(secretsFile, 'utf8')).toBe(before);
  });

  it('says to bring the cluster up first when the credentials are missing', async () => {
    const missing = { ...credentials, kubeconfig: join(repo, 'nope', 'kubeconfig') };
    const error = await exportCredentialsToSops(environment(), missing, { env }).catch((e: unknown) => e);
    expect(isInfraError(error) && error.code).toBe('CLUSTER_CREDENTIALS_MISSING');
    expect(isInfraError(error) && error.hint).toMatch(/\.\/infra up/);
  });
});
