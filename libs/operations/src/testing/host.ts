import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
  writeSopsConfig,
} from '@infra/sops-secrets';

export const REPO_ROOT = resolve(import.meta.dirname, '../../../..');
export const TOKEN_ID = 'infra@pve!ops';
export const TOKEN_SECRET = '5f0c7d2e-8a41-4b7e-9c55-2d6f1e3a9b80';

export interface HostOptions {
  nodes?: string[];
  /** ACL entries for the user infra@pve (default: Administrator on /). */
  acl?: Array<{ path: string; roleid: string }>;
  /** Extra lines under `environments.test:` (YAML, 4-space indent), e.g. a different bridge. */
  environmentYaml?: string[];
  /** Endpoint override (e.g. a closed port for the unreachable case). */
  endpoint?: (sim: Simulator) => string;
  /** The API token (default TOKEN_ID / TOKEN_SECRET); its user is created on the simulator. */
  token?: { id: string; secret: string };
  /** The secrets' admin.username (default `infra`). */
  adminUsername?: string;
}

/**
 * A throw-away repository around a simulator reached as a real endpoint (fingerprint pinned): a SOPS file with
 * the token, the repository's catalog with one environment `test`, and an `api` for arranging the host as
 * root would by hand.
 */
export interface TestHost {
  dir: string;
  sim: Simulator;
  environment: Environment;
  env: NodeJS.ProcessEnv;
  api(method: string, path: string, params?: Record<string, unknown>): Promise<unknown>;
  /** Every request the simulator answered, with the official schema's verdict. */
  requests(): Promise<RequestLogEntry[]>;
  close(): Promise<void>;
}

export async function createTestHost(options: HostOptions = {}): Promise<TestHost> {
  const dir = await mkdtemp(join(tmpdir(), 'infra-ops-test-'));
  const nodes = options.nodes ?? ['pve'];
  const acl = options.acl ?? [{ path: '/', roleid: 'Administrator' }];
  const log = join(dir, 'requests.jsonl');
  const token = options.token ?? { id: TOKEN_ID, secret: TOKEN_SECRET };
  const user = token.id.slice(0, token.id.indexOf('!'));
  const sim = await startSimulator({
    stateDir: join(dir, 'sim'),
    nodes,
    log,
    timing: { taskMs: 20, agentBootMs: 100 },
    accounts: {
      users: [{ userid: user }],
      tokens: [{ id: token.id, secret: token.secret, privsep: false }],
      acl: acl.map((a) => ({ ...a, ugid: user, type: 'user' as const })),
    },
  });
  try {
    const { header } = await sim.issueToken('root@pam!setup');
    const api = async (method: string, path: string, params: Record<string, unknown> = {}) => {
      const res = await simRequest(sim, method, path, { auth: header, params });
      if (res.status !== 200) throw new Error(`${method} ${path} → ${res.status} ${res.text}`);
      const data = res.body?.data;
      if (typeof data === 'string' && data.startsWith('UPID:')) {
        const status = await waitForTask(sim, header, data);
        if (status.exitstatus !== 'OK')
          throw new Error(`${method} ${path}: task ${String(status.exitstatus)}`);
      }
      return data;
    };
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
    await encryptToFile(
      join(dir, 'secrets', 'test.enc.yaml'),
      {
        proxmox: { tokenId: token.id, tokenSecret: token.secret },
        admin: {
          username: options.adminUsername ?? 'infra',
          passwordHash: '$6$salt$hash',
          sshPublicKeys: [ed25519PublicKeyLine('ops-test')],
        },
        tofu: { statePassphrase: 'correct-horse-battery-staple-42' },
      },
      { keys: await resolveSopsKeys({ env }), configPath, displayRoot: dir },
    );
    const repoConfig = await readFile(join(REPO_ROOT, 'infra.config.yaml'), 'utf8');
    const catalog = repoConfig.slice(0, repoConfig.indexOf('\nenvironments:'));
    await writeFile(
      join(dir, 'infra.config.yaml'),
      [
        catalog,
        'environments:',
        '  test:',
        '    proxmox:',
        `      endpoint: ${options.endpoint ? options.endpoint(sim) : sim.url}`,
        `      node: ${nodes[0]}`,
        `      tls: { fingerprint: "${sim.fingerprint}" }`,
        ...(options.environmentYaml ?? []),
        '    secrets: secrets/test.enc.yaml',
        '',
      ].join('\n'),
    );
    const environment = await loadEnvironment('test', { cwd: dir });
    return {
      dir,
      sim,
      environment,
      env,
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
  } catch (error) {
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
