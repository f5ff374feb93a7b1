import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Environment } from '@infra/config';
import { InfraError, type Logger } from '@infra/core';
import type { ConnectOptions } from '@infra/proxmox-connect';
import { proxmoxApiToken } from '@infra/sops-secrets';
import { backendSetup, declaredBackend } from './backend';
import { preflight } from './preflight';
import type { WantedTemplate } from './templates';
import { type ChangeCounts, formatCounts, formatDiagnostic, hasChanges } from './tofu-events';
import { runTofu, type TofuOutcome } from './tofu-process';

export type DeployAction = 'plan' | 'apply' | 'destroy';

/**
 * One deploy-stage run for an environment: what `scripts/deploy.ts` and `./infra up` call. `rootDir`
 * defaults to `terraform/environments/<env>`; `templates` names the golden templates the root module clones
 * (looked up by fingerprint tag, handed over as `var.templates`); `variables` and `secretVariables` become
 * `TF_VAR_*` (the secret ones registered with the redactor by the caller, e.g. from SOPS).
 */
export interface DeployRequest {
  environment: Environment;
  action: DeployAction;
  rootDir?: string;
  /**
   * A second root module of the same environment (e.g. `cluster` for terraform/clusters/talos) keeps its own
   * state and data dir: `.infra/tofu/<env>/<stateName>/` instead of `.infra/tofu/<env>/`.
   */
  stateName?: string;
  templates?: Readonly<Record<string, WantedTemplate>>;
  variables?: Readonly<Record<string, unknown>>;
  secretVariables?: Readonly<Record<string, string>>;
  /** Apply/destroy without asking (automation); otherwise `confirm` decides. */
  yes?: boolean;
  /** Asked after the plan is shown when there are changes; without it (and without `yes`) nothing is applied. */
  confirm?: (summary: string) => Promise<boolean>;
  /** How long to wait for a state lock another run holds (tofu's `-lock-timeout`, e.g. `60s`); default 0s. */
  lockTimeout?: string;
  logger?: Logger;
  signal?: AbortSignal;
  /** Where SOPS keys and the simulator testing hooks are read from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Passed to connectProxmox, e.g. `embedded` hooks of companion simulators (the Talos simulator). */
  connect?: Omit<ConnectOptions, 'env' | 'logger'>;
}

export interface DeployResult {
  action: DeployAction;
  rootDir: string;
  /** What the plan said (for apply/destroy: before it was applied). */
  changes: ChangeCounts | undefined;
  changed: boolean;
  applied: boolean;
  /** `tofu output -json` after a successful apply (sensitive values included: do not print them). */
  outputs: Record<string, { value: unknown; sensitive: boolean }>;
  /** Where the state lives (file path or backend description). */
  state: string;
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

export async function deployEnvironment(request: DeployRequest): Promise<DeployResult> {
  const { environment, action, logger } = request;
  const repoRoot = environment.repoRoot;
  const rootDir = request.rootDir ?? join(repoRoot, 'terraform', 'environments', environment.name);
  const rootLabel = relative(repoRoot, rootDir) || '.';
  const configLabel = `${relative(repoRoot, environment.configFile)}: environments.${environment.name}`;
  const secretsFile = relative(repoRoot, environment.secrets);
  const stateDir = join(
    repoRoot,
    '.infra',
    'tofu',
    environment.name,
    ...(request.stateName ? [request.stateName] : []),
  );
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
  try {
    const secrets = connection.secrets;
    const passphrase = secrets.tofu?.statePassphrase;
    if (!passphrase)
      throw new InfraError(
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
    const fail = (outcome: TofuOutcome, what: string): never => {
      throw tofuFailure(outcome, what, rootLabel, backend.describe);
    };

    logger?.step(`tofu init (${rootLabel}, state: ${backend.describe})`);
    const init = await run(['init', '-input=false', '-no-color', '-lockfile=readonly', ...backend.initArgs]);
    if (init.exitCode !== 0) fail(init, 'init');

    const planFile = join(scratch, 'tfplan');
    const lockTimeout = `-lock-timeout=${request.lockTimeout ?? '0s'}`;
    logger?.step(`tofu plan${action === 'destroy' ? ' -destroy' : ''}`);
    const plan = await run([
      'plan',
      '-input=false',
      '-json',
      '-detailed-exitcode',
      lockTimeout,
      `-out=${planFile}`,
      ...(action === 'destroy' ? ['-destroy'] : []),
    ]);
    if (plan.exitCode === 1) fail(plan, 'plan');
    const changes = plan.report.changes;
    const changed = plan.exitCode === 2 || hasChanges(changes);
    const result: DeployResult = {
      action,
      rootDir,
      changes,
      changed,
      applied: false,
      outputs: {},
      state: backend.describe,
    };
    // An apply hands its caller the root module's outputs whether or not it changed anything: a no-op apply
    // (the second `./infra up`) still needs the kubeconfig. Reading them is local: no request to the host.
    const readOutputs = async () => {
      const outputs = await run(['output', '-json']);
      if (outputs.exitCode === 0 && outputs.stdout.trim()) result.outputs = JSON.parse(outputs.stdout);
    };
    if (!changed) {
      if (action === 'apply') await readOutputs();
      logger?.success(`${environment.name}: no changes (${rootLabel})`);
      return result;
    }
    const shown = await run(['show', '-no-color', planFile]);
    if (shown.exitCode !== 0) fail(shown, 'show');
    if (shown.stdout.trim()) logger?.info(shown.stdout);
    logger?.info(`plan: ${formatCounts(changes)}`);
    if (action === 'plan') return result;

    const summary = `${action} ${environment.name}: ${formatCounts(changes)}`;
    const approved = request.yes === true || (request.confirm ? await request.confirm(summary) : false);
    if (!approved) {
      logger?.warn(`${summary}: not applied (pass --yes to apply without asking)`);
      return result;
    }
    logger?.step(`tofu apply (${formatCounts(changes)})`);
    const applied = await run(['apply', '-input=false', '-json', lockTimeout, planFile]);
    if (applied.exitCode !== 0) fail(applied, 'apply');
    result.applied = true;
    if (action === 'apply') await readOutputs();
    logger?.success(`${environment.name}: ${action} done (${formatCounts(changes)})`);
    return result;
  } finally {
    await trust?.dispose();
    await rm(scratch, { recursive: true, force: true });
    await connection.close();
  }
}

/** One error for a failed tofu step: its error diagnostics (resource, file and line), or its stderr. */
function tofuFailure(outcome: TofuOutcome, step: string, rootLabel: string, state: string): InfraError {
  const errors = outcome.report.diagnostics.filter((d) => d.severity === 'error');
  const lines = errors.map((d) => formatDiagnostic(d, rootLabel));
  const text = lines.length > 0 ? lines.join('\n') : lastLines(outcome.stderr || outcome.stdout);
  if (/Error acquiring the state lock|state lock/i.test(text)) {
    return new InfraError('DEPLOY_STATE_LOCKED', `${state}: ${lines[0] ?? text}`, {
      hint: 'another plan/apply of this environment holds the lock: wait for it (or pass --lock-timeout), and run again; force-unlock only a lock whose run is known dead',
    });
  }
  if (/encrypt|decrypt/i.test(text) && /state/i.test(text)) {
    return new InfraError('DEPLOY_STATE_ENCRYPTION', `${state}: ${lines[0] ?? text}`, {
      hint: "the state must be encrypted with the passphrase in the environment's SOPS file (tofu.statePassphrase); a plaintext or differently encrypted state is refused",
    });
  }
  return new InfraError('DEPLOY_TOFU_FAILED', `tofu ${step} failed in ${rootLabel}: ${text}`, {
    hint: 'fix the resource or variable named above and run again; resources tofu created are in the state and are cleaned up by destroy',
  });
}

function lastLines(text: string, count = 8): string {
  return text.trim().split('\n').slice(-count).join('\n') || '(no output)';
}
