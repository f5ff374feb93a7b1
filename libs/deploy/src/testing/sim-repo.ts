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
  type Secrets,
  writeSopsConfig,
} from '@infra/sops-secrets';

/**
 * The throw-away repository the deploy and operations tests share: a simulator reached as a *real* endpoint
 * with its fingerprint pinned, an API token for a user of its own, a SOPS file (age key of the test, never
 * the user's) with that token and the state passphrase, and the repository's catalog with one environment
 * `test`. Exported as `@infra/deploy/testing`; tests only.
 */
export const REPO_ROOT = resolve(import.meta.dirname, '../../../..');

export interface SimRepoOptions {
  /** mkdtemp prefix, e.g. `infra-deploy-test-`. */
  prefix: string;
  nodes: string[];
  token: { id: string; secret: string };
  /** ACL entries of the token's user (default: Administrator on /). */
  acl?: Array<{ path: string; roleid: string }>;
  /** How long the simulated guest agent takes to come up. */
  agentBootMs: number;
  /** The SOPS file's content, given the token (testSecrets makes the usual one). */
  secrets: Secrets;
  /** infra.config.yaml proxmox.node (default the first of nodes). */
  node?: string;
  /** Endpoint override (default the simulator's URL). */
  endpoint?: (sim: Simulator) => string;
  /** Lines under `environments.test.proxmox:` after endpoint and node (6-space indent). */
  proxmoxYaml?: string[];
  /** Lines under `environments.test:` after proxmox (4-space indent). */
  environmentYaml?: string[];
}

export interface SimRepo {
  dir: string;
  sim: Simulator;
  /** The root@pam token header the api uses. */
  root: string;
  environment: Environment;
  /** SOPS key location for loadSecrets, PATH and a HOME of the test's own. */
  env: NodeJS.ProcessEnv;
  /** Calls the simulator as root would by hand; waits for a task it starts and fails unless it is OK. */
  api(method: string, path: string, params?: Record<string, unknown>): Promise<unknown>;
  /** Every request the simulator answered, with the official schema's verdict. */
  requests(): Promise<RequestLogEntry[]>;
  close(): Promise<void>;
}

/** The secrets of a test environment: the token, an admin with one fresh key, a state passphrase. */
export function testSecrets(
  token: { id: string; secret: string },
  admin: { username: string; keyComment: string },
): Secrets {
  return {
    proxmox: { tokenId: token.id, tokenSecret: token.secret },
    admin: {
      username: admin.username,
      passwordHash: '$6$salt$hash',
      sshPublicKeys: [ed25519PublicKeyLine(admin.keyComment)],
    },
    tofu: { statePassphrase: 'correct-horse-battery-staple-42' },
  };
}

export async function createSimRepo(options: SimRepoOptions): Promise<SimRepo> {
  const dir = await mkdtemp(join(tmpdir(), options.prefix));
  const log = join(dir, 'requests.jsonl');
  const { token, nodes } = options;
  const user = token.id.slice(0, token.id.indexOf('!'));
  const acl = options.acl ?? [{ path: '/', roleid: 'Administrator' }];
  let sim: Simulator | undefined;
  try {
    sim = await startSimulator({
      stateDir: join(dir, 'sim'),
      nodes,
      log,
      timing: { taskMs: 20, agentBootMs: options.agentBootMs },
      accounts: {
        users: [{ userid: user }],
        tokens: [{ id: token.id, secret: token.secret, privsep: false }],
        acl: acl.map((a) => ({ ...a, ugid: user, type: 'user' as const })),
      },
    });
    const started = sim;
    const { header: root } = await started.issueToken('root@pam!setup');
    const api = async (method: string, path: string, params: Record<string, unknown> = {}) => {
      const res = await simRequest(started, method, path, { auth: root, params });
      if (res.status !== 200) throw new Error(`${method} ${path} → ${res.status} ${res.text}`);
      const data = res.body?.data;
      if (typeof data === 'string' && data.startsWith('UPID:')) {
        const status = await waitForTask(started, root, data);
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
    await encryptToFile(join(dir, 'secrets', 'test.enc.yaml'), options.secrets, {
      keys: await resolveSopsKeys({ env }),
      configPath,
      displayRoot: dir,
    });
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
        `      endpoint: ${options.endpoint ? options.endpoint(started) : started.url}`,
        `      node: ${options.node ?? nodes[0]}`,
        ...(options.proxmoxYaml ?? []),
        `      tls: { fingerprint: "${started.fingerprint}" }`,
        ...(options.environmentYaml ?? []),
        '    secrets: secrets/test.enc.yaml',
        '',
      ].join('\n'),
    );
    const environment = await loadEnvironment('test', { cwd: dir });
    return {
      dir,
      sim: started,
      root,
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
        await started.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await sim?.stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
