import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Environment } from '@infra/config';
import { InfraError, type Logger } from '@infra/core';
import type { ConnectOptions, ProxmoxConnection } from '@infra/proxmox-connect';
import { proxmoxApiToken, type Secrets } from '@infra/sops-secrets';
import { type BackendSetup, backendSetup, declaredBackend } from './backend';
import type { DeployErrorCode } from './error-codes';
import { type ClusterFacts, preflight } from './preflight';
import type { WantedTemplate } from './templates';
import { formatDiagnostic } from './tofu-events';
import { runTofu, type TofuOutcome } from './tofu-process';

/**
 * Everything one root module's tofu runs share: the connection (token from SOPS), the read-only preflight,
 * the TLS trust handoff, the backend, the minimal child environment with every `TF_VAR_*`, and `tofu init`.
 * `deployEnvironment` (plan/apply/destroy), `readTofuState` (drift) and the import generator run their
 * tofu commands through one. `close()` removes the trust file and scratch dir and closes the connection.
 */
export interface SessionRequest {
  environment: Environment;
  rootDir?: string;
  /** A second root module of the same environment keeps its state under `.infra/tofu/<env>/<stateName>/`. */
  stateName?: string;
  /** Overrides where a `backend "local"` keeps its state and data dir (a scratch root module). */
  stateDir?: string;
  templates?: Readonly<Record<string, WantedTemplate>>;
  variables?: Readonly<Record<string, unknown>>;
  secretVariables?: Readonly<Record<string, string>>;
  logger?: Logger;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  connect?: Omit<ConnectOptions, 'env' | 'logger'>;
}

export interface TofuSession {
  rootDir: string;
  rootLabel: string;
  backend: BackendSetup;
  connection: ProxmoxConnection;
  facts: ClusterFacts;
  secrets: Secrets;
  /** A scratch directory (0700) removed by close(), e.g. for plan files. */
  scratch: string;
  run(args: string[], echo?: boolean): Promise<TofuOutcome>;
  /** One typed error for a failed step (`DEPLOY_TOFU_FAILED`, `DEPLOY_STATE_LOCKED`, `DEPLOY_STATE_ENCRYPTION`). */
  fail(outcome: TofuOutcome, step: string): never;
  close(): Promise<void>;
}

/** The variables every root module of this repo may declare; undeclared TF_VAR_* are ignored by tofu. */
function standardVariables(
  environment: Environment,
  connection: { endpoint: string; insecure: boolean },
  facts: { nodes: string[]; templates: Record<string, unknown> },
  admin: { username: string; sshPublicKeys: string[] },
): Record<string, unknown> {
  return {
    proxmox_endpoint: connection.endpoint,
    proxmox_insecure: connection.insecure,
    node_name: environment.proxmox.node,
    proxmox_nodes: facts.nodes,
    bridge: environment.proxmox.bridge,
    disk_datastore_id: environment.proxmox.storage.disks,
    templates: facts.templates,
    admin_user: admin.username,
    admin_ssh_public_keys: admin.sshPublicKeys,
  };
}

const tfVar = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/** Connects, checks, trusts, and runs `tofu init`; the caller runs its commands and then `close()`s. */
export async function openTofuSession(request: SessionRequest): Promise<TofuSession> {
  const { environment, logger } = request;
  const repoRoot = environment.repoRoot;
  const rootDir = request.rootDir ?? join(repoRoot, 'terraform', 'environments', environment.name);
  const rootLabel = relative(repoRoot, rootDir) || '.';
  const configLabel = `${relative(repoRoot, environment.configFile)}: environments.${environment.name}`;
  const secretsFile = relative(repoRoot, environment.secrets);
  const stateDir =
    request.stateDir ??
    join(repoRoot, '.infra', 'tofu', environment.name, ...(request.stateName ? [request.stateName] : []));
  await mkdir(stateDir, { recursive: true, mode: 0o700 });

  // Loaded on demand: the connection pulls in sops, the client and (embedded) the simulator.
  const [{ connectProxmox, toolTrust }, { toolchainEnv }] = await Promise.all([
    import('@infra/proxmox-connect'),
    import('@infra/toolchain'),
  ]);
  const connection = await connectProxmox(environment, {
    ...request.connect,
    ...(logger ? { logger } : {}),
    ...(request.env ? { env: request.env } : {}),
  });
  const scratch = await mkdtemp(join(tmpdir(), 'infra-deploy-'));
  let trust: Awaited<ReturnType<typeof toolTrust>> | undefined;
  const close = async () => {
    await trust?.dispose();
    await rm(scratch, { recursive: true, force: true });
    await connection.close();
  };
  try {
    const secrets = connection.secrets;
    const passphrase = secrets.tofu?.statePassphrase;
    if (!passphrase)
      throw new InfraError<DeployErrorCode>(
        'DEPLOY_STATE_PASSPHRASE_MISSING',
        `${secretsFile}: tofu.statePassphrase is required: OpenTofu state is always encrypted`,
        {
          hint: 'add tofu.statePassphrase (16+ random characters, e.g. `openssl rand -base64 32`) with `./infra secrets edit <file>`',
        },
      );
    logger?.step(
      `checking ${environment.name} on ${connection.embedded ? 'the embedded simulator' : connection.endpoint}`,
    );
    const facts = await preflight({
      client: connection.client,
      configLabel,
      secretsFile,
      node: environment.proxmox.node,
      diskStorage: environment.proxmox.storage.disks,
      templates: request.templates ?? {},
    });
    trust = await toolTrust(connection.endpoint, connection.tls, {
      ...(request.signal ? { signal: request.signal } : {}),
    });
    if (trust.insecure)
      logger?.warn(`TLS verification is OFF for tofu (${configLabel}: proxmox.tls.insecure)`);
    const backend = backendSetup(await declaredBackend(rootDir), {
      rootLabel,
      envName: environment.name,
      stateDir,
      secretsFile,
      secrets,
    });
    const variables = {
      ...standardVariables(
        environment,
        { endpoint: connection.endpoint, insecure: trust.insecure },
        facts,
        secrets.admin,
      ),
      ...request.variables,
    };
    const toolchain = toolchainEnv();
    const env: Record<string, string> = {
      PATH: toolchain.PATH ?? '',
      HOME: process.env.HOME ?? scratch,
      // The bpg provider keeps its VMID allocation lock in TMPDIR; one per run keeps runs apart.
      TMPDIR: scratch,
      TF_CLI_CONFIG_FILE: toolchain.TF_CLI_CONFIG_FILE ?? '',
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      CHECKPOINT_DISABLE: '1',
      TF_DATA_DIR: join(stateDir, 'data'),
      ...trust.env,
      ...backend.env,
      ...Object.fromEntries(Object.entries(variables).map(([k, v]) => [`TF_VAR_${k}`, tfVar(v)])),
      TF_VAR_proxmox_api_token: proxmoxApiToken(secrets),
      TF_VAR_state_passphrase: passphrase,
      ...Object.fromEntries(
        Object.entries(request.secretVariables ?? {}).map(([k, v]) => [`TF_VAR_${k}`, v]),
      ),
    };
    const run = (args: string[], echo = false) =>
      runTofu({
        args,
        cwd: rootDir,
        env,
        echo,
        ...(logger ? { logger } : {}),
        ...(request.signal ? { signal: request.signal } : {}),
      });
    const fail = (outcome: TofuOutcome, step: string): never => {
      throw tofuFailure(outcome, step, rootLabel, backend.describe);
    };
    logger?.step(`tofu init (${rootLabel}, state: ${backend.describe})`);
    const init = await run(['init', '-input=false', '-no-color', '-lockfile=readonly', ...backend.initArgs]);
    if (init.exitCode !== 0) fail(init, 'init');
    return { rootDir, rootLabel, backend, connection, facts, secrets, scratch, run, fail, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** One error for a failed tofu step: its error diagnostics (resource, file and line), or its stderr. */
function tofuFailure(
  outcome: TofuOutcome,
  step: string,
  rootLabel: string,
  state: string,
): InfraError<DeployErrorCode> {
  const errors = outcome.report.diagnostics.filter((d) => d.severity === 'error');
  const lines = errors.map((d) => formatDiagnostic(d, rootLabel));
  const text = lines.length > 0 ? lines.join('\n') : lastLines(outcome.stderr || outcome.stdout);
  if (/Error acquiring the state lock|state lock/i.test(text)) {
    return new InfraError<DeployErrorCode>('DEPLOY_STATE_LOCKED', `${state}: ${lines[0] ?? text}`, {
      hint: 'another plan/apply of this environment holds the lock: wait for it (or pass --lock-timeout), and run again; force-unlock only a lock whose run is known dead',
    });
  }
  if (/encrypt|decrypt/i.test(text) && /state/i.test(text)) {
    return new InfraError<DeployErrorCode>('DEPLOY_STATE_ENCRYPTION', `${state}: ${lines[0] ?? text}`, {
      hint: "the state must be encrypted with the passphrase in the environment's SOPS file (tofu.statePassphrase); a plaintext or differently encrypted state is refused",
    });
  }
  return new InfraError<DeployErrorCode>(
    'DEPLOY_TOFU_FAILED',
    `tofu ${step} failed in ${rootLabel}: ${text}`,
    {
      hint: 'fix the resource or variable named above and run again; resources tofu created are in the state and are cleaned up by destroy',
    },
  );
}

function lastLines(text: string, count = 8): string {
  return text.trim().split('\n').slice(-count).join('\n') || '(no output)';
}
