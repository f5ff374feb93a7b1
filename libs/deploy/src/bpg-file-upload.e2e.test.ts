import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toolTrust } from '@infra/proxmox-connect';
import { type RequestLogEntry, type Simulator, startSimulator } from '@infra/pve-sim';
import { toolchainEnv } from '@infra/toolchain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertDeployToolchain } from './testing/tools';
import { runTofu } from './tofu-process';

// The real bpg provider's `proxmox_virtual_environment_file` (content_type iso) uploads through
// POST …/storage/{storage}/upload as multipart: the simulator must take what that client really sends.
const TOKEN = { id: 'infra@pve!bpg', secret: '0f4e1d2c-1111-4222-8333-0123456789ab' };

let dir: string;
let sim: Simulator;
let trust: Awaited<ReturnType<typeof toolTrust>>;
const iso = randomBytes(2 * 1024 * 1024);

const mainTf = `terraform {
  required_providers {
    proxmox = { source = "bpg/proxmox", version = "0.111.1" }
  }
}
variable "endpoint" { type = string }
variable "api_token" {
  type      = string
  sensitive = true
}
provider "proxmox" {
  endpoint  = var.endpoint
  api_token = var.api_token
  insecure  = false
}
resource "proxmox_virtual_environment_file" "iso" {
  content_type = "iso"
  datastore_id = "local"
  node_name    = "pve"
  source_file {
    path = "\${path.module}/bpg-upload.iso"
  }
}
`;

beforeAll(async () => {
  await assertDeployToolchain();
  dir = await mkdtemp(join(tmpdir(), 'infra-bpg-upload-'));
  sim = await startSimulator({
    stateDir: join(dir, 'sim'),
    log: join(dir, 'requests.jsonl'),
    timing: { taskMs: 20 },
    accounts: {
      users: [{ userid: 'infra@pve' }],
      tokens: [{ id: TOKEN.id, secret: TOKEN.secret, privsep: false }],
      acl: [{ path: '/', roleid: 'Administrator', ugid: 'infra@pve', type: 'user' }],
    },
  });
  trust = await toolTrust(sim.url, { fingerprint: sim.fingerprint });
  await writeFile(join(dir, 'main.tf'), mainTf);
  await writeFile(join(dir, 'bpg-upload.iso'), iso);
});
afterAll(async () => {
  await trust?.dispose();
  await sim?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function tofu(args: string[]) {
  const toolchain = toolchainEnv();
  const outcome = await runTofu({
    args,
    cwd: dir,
    env: {
      PATH: toolchain.PATH ?? '',
      HOME: dir,
      TMPDIR: dir,
      TF_CLI_CONFIG_FILE: toolchain.TF_CLI_CONFIG_FILE ?? '',
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      CHECKPOINT_DISABLE: '1',
      ...trust.env,
      TF_VAR_endpoint: sim.url,
      TF_VAR_api_token: `${TOKEN.id}=${TOKEN.secret}`,
    },
  });
  expect(outcome.exitCode, `tofu ${args[0]}: ${outcome.stderr}`).toBe(0);
  return outcome;
}

const requests = async (): Promise<RequestLogEntry[]> =>
  (await readFile(join(dir, 'requests.jsonl'), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as RequestLogEntry);

describe('bpg proxmox_virtual_environment_file (iso) against the simulator', () => {
  it('uploads the file through the multipart endpoint, and destroy removes it', async () => {
    await tofu(['init', '-input=false', '-no-color']);
    await tofu(['apply', '-auto-approve', '-input=false', '-no-color']);
    const stored = await readFile(join(dir, 'sim/storage/local/template/iso/bpg-upload.iso'));
    expect(createHash('sha256').update(stored).digest('hex')).toBe(
      createHash('sha256').update(iso).digest('hex'),
    );
    const uploads = (await requests()).filter((r) => r.path === '/nodes/pve/storage/local/upload');
    expect(uploads).toEqual([expect.objectContaining({ method: 'POST', status: 200, schema: 'valid' })]);
    expect(sim.state.volumes['local:iso/bpg-upload.iso']).toMatchObject({ size: iso.length, vtype: 'iso' });

    await tofu(['destroy', '-auto-approve', '-input=false', '-no-color']);
    expect(sim.state.volumes['local:iso/bpg-upload.iso']).toBeUndefined();
    const broken = (await requests()).filter(
      (r) => r.status === 501 || r.status === 400 || r.schema === 'invalid',
    );
    expect(broken).toEqual([]);
  });
});
