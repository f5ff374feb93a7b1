import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Environment, loadEnvironment } from '@infra/config';
import {
  type RequestLogEntry,
  type Simulator,
  simRequest,
  startSimulator,
  waitForTask,
} from '@infra/pve-sim';
import {
  ed25519PublicKeyLine,
  encryptToFile,
  generateAgeKey,
  resolveSopsKeys,
  type Secrets,
  writeSopsConfig,
} from '@infra/sops-secrets';

/**
 * A throw-away repository for deploy tests against the real tofu and bpg provider: a simulator (one node or
 * a cluster) reached as a *real* endpoint with its fingerprint pinned (so the TLS trust handoff is what lets
 * tofu in), a SOPS file with the token and state passphrase, the fixture root module next to a copy of
 * terraform/modules/proxmox-vm, and a request log for the official-schema contract check.
 */
export const REPO_ROOT = resolve(import.meta.dirname, '../../../..');
export const TEMPLATE_TAG = 'fp-0123456789abcdef01234567';

export interface World {
  dir: string;
  sim: Simulator;
  root: string;
  environment: Environment;
  /** SOPS key location for loadSecrets (the test's own, never the user's). */
  env: NodeJS.ProcessEnv;
  secrets: Secrets;
  rootDir: string;
  api(method: string, path: string, params?: Record<string, unknown>): Promise<unknown>;
  requests(): Promise<RequestLogEntry[]>;
  close(): Promise<void>;
}

export interface WorldOptions {
  nodes?: string[];
  /** Storage of the template disks; a shared one lets every node clone it. */
  templateStorage?: string;
  /** Nodes that get a template of their own (node-local storage). */
  templateNodes?: string[];
  environment?: Partial<{ node: string; disks: string }>;
  /** Overrides of the secrets (e.g. a wrong token, a pg URL). */
  secrets?: (secrets: Secrets) => Secrets;
  /** Root module to copy (default the fixture); its `../modules/proxmox-vm` is provided. */
  fixture?: string;
}

const TOKEN_ID = 'infra@pve!deploy';
const TOKEN_SECRET = '4b3f2c1d-aaaa-4bbb-8ccc-0123456789ab';

export async function createWorld(options: WorldOptions = {}): Promise<World> {
  const dir = await mkdtemp(join(tmpdir(), 'infra-deploy-test-'));
  const log = join(dir, 'requests.jsonl');
  const nodes = options.nodes ?? ['pve'];
  const sim = await startSimulator({
    stateDir: join(dir, 'sim'),
    nodes,
    log,
    timing: { taskMs: 20, agentBootMs: 200 },
    accounts: {
      users: [{ userid: 'infra@pve' }],
      tokens: [{ id: TOKEN_ID, secret: TOKEN_SECRET, privsep: false }],
      acl: [{ path: '/', roleid: 'Administrator', ugid: 'infra@pve', type: 'user' }],
    },
  });
  const { header: root } = await sim.issueToken('root@pam!setup');
  const api = async (method: string, path: string, params: Record<string, unknown> = {}) => {
    const res = await simRequest(sim, method, path, { auth: root, params });
    if (res.status !== 200) throw new Error(`${method} ${path} → ${res.status} ${res.text}`);
    const data = res.body?.data;
    if (typeof data === 'string' && data.startsWith('UPID:')) {
      const status = await waitForTask(sim, root, data);
      if (status.exitstatus !== 'OK') throw new Error(`${method} ${path}: task ${String(status.exitstatus)}`);
    }
    return data;
  };
  const storage = options.templateStorage ?? 'local-lvm';
  for (const [i, node] of (options.templateNodes ?? [nodes[0]!]).entries()) {
    const vmid = 9000 + i;
    await api('POST', `/nodes/${node}/qemu`, {
      vmid,
      name: `golden-${node}`,
      scsi0: `${storage}:2`,
      scsihw: 'virtio-scsi-single',
      ide2: `${storage}:cloudinit`,
      net0: 'virtio,bridge=vmbr0',
      agent: 'enabled=1',
      ostype: 'l26',
      tags: `infra;${TEMPLATE_TAG}`,
    });
    await api('POST', `/nodes/${node}/qemu/${vmid}/template`);
  }

  const keyFile = join(dir, 'keys', 'age.txt');
  const recipient = await generateAgeKey(keyFile);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: join(dir, 'home'),
    SOPS_AGE_KEY_FILE: keyFile,
  };
  await mkdir(join(dir, 'home'), { recursive: true });
  await mkdir(join(dir, 'secrets'), { recursive: true });
  const configPath = join(dir, '.sops.yaml');
  await writeSopsConfig(configPath, {
    creation_rules: [{ path_regex: 'secrets/.*\\.enc\\.yaml$', age: [recipient] }],
  });
  const base: Secrets = {
    proxmox: { tokenId: TOKEN_ID, tokenSecret: TOKEN_SECRET },
    admin: {
      username: 'infra',
      passwordHash: '$6$salt$hash',
      sshPublicKeys: [ed25519PublicKeyLine('deploy-test')],
    },
    tofu: { statePassphrase: 'correct-horse-battery-staple-42' },
  };
  const secrets = options.secrets ? options.secrets(base) : base;
  const keys = await resolveSopsKeys({ env });
  await encryptToFile(join(dir, 'secrets', 'test.enc.yaml'), secrets, { keys, configPath, displayRoot: dir });
  // The repository's catalog, with one environment pointing at this simulator.
  const repoConfig = await readFile(join(REPO_ROOT, 'infra.config.yaml'), 'utf8');
  const catalog = repoConfig.slice(0, repoConfig.indexOf('\nenvironments:'));
  await writeFile(
    join(dir, 'infra.config.yaml'),
    [
      catalog,
      'environments:',
      '  test:',
      '    proxmox:',
      `      endpoint: ${sim.url}`,
      `      node: ${options.environment?.node ?? nodes[0]}`,
      '      bridge: vmbr0',
      `      storage: { images: local, disks: ${options.environment?.disks ?? 'local-lvm'} }`,
      `      tls: { fingerprint: "${sim.fingerprint}" }`,
      '    templates: { vmidRange: { start: 9000, end: 9099 } }',
      '    secrets: secrets/test.enc.yaml',
      '',
    ].join('\n'),
  );
  const environment = await loadEnvironment('test', { cwd: dir });

  const rootDir = join(dir, 'root');
  await cp(options.fixture ?? join(REPO_ROOT, 'libs/deploy/testing/fixture-vms'), rootDir, {
    recursive: true,
  });
  await cp(join(REPO_ROOT, 'terraform/modules/proxmox-vm'), join(dir, 'modules/proxmox-vm'), {
    recursive: true,
  });
  await cp(
    join(REPO_ROOT, 'terraform/environments/local/.terraform.lock.hcl'),
    join(rootDir, '.terraform.lock.hcl'),
  );

  return {
    dir,
    sim,
    root,
    environment,
    env,
    secrets,
    rootDir,
    api,
    async requests() {
      const text = await readFile(log, 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as RequestLogEntry);
    },
    async close() {
      await sim.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const MUTATING_METHODS = new Set(['POST', 'PUT', 'DELETE']);
