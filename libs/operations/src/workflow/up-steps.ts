import { join } from 'node:path';
import type { ClusterErrorCode } from '@infra/cluster';
import { InfraError, isInfraError, runProcess } from '@infra/core';
import { parseAllDocuments } from 'yaml';
import { formatDoctorReport, runDoctor } from '../preflight/doctor';
import { deliveredInlineManifests } from './embedded';
import type { WorkflowErrorCode } from './errors';
import type { FreshnessVerdict, StepImplementation, WorkflowDefinition } from './executor';
import type { UpContext } from './up-context';
import { UP_WORKFLOW, type UpStepId } from './up-workflow';

type Step = StepImplementation<UpContext>;

const spec = async (context: UpContext) => (await import('@infra/cluster')).clusterOf(context.environment);

/** The embedded host is the demo of a host set up as the README says: its GPU mapping, as `gpu-host.ts map`. */
async function prepareEmbeddedHost(context: UpContext): Promise<void> {
  if (context.environment.proxmox.endpoint !== 'embedded') return;
  const [{ syncGpuMapping }, connection] = await Promise.all([
    import('@infra/gpu-host-setup'),
    context.connection(),
  ]);
  await syncGpuMapping(connection.client, {
    node: context.environment.proxmox.node,
    name: context.environment.gpu.mapping,
    selector: context.environment.gpu.selector,
  });
}

async function doctorVerdict(context: UpContext) {
  await prepareEmbeddedHost(context);
  const report = await runDoctor({
    environment: context.environment,
    ...(context.logger ? { logger: context.logger } : {}),
  });
  const failed = report.findings.filter((f) => f.status === 'fail');
  for (const f of report.findings.filter((x) => x.status === 'warn'))
    context.logger?.warn(`doctor: ${f.check}: ${f.message}${f.fix ? ` (fix: ${f.fix})` : ''}`);
  const summary = {
    checks: report.findings.length,
    warnings: report.findings.filter((f) => f.status === 'warn').length,
  };
  return { report, failed, summary };
}

const doctor: Step = {
  inputs: ({ environment }) => ({
    proxmox: environment.proxmox,
    gpu: environment.gpu,
    vmidRange: environment.templates.vmidRange,
    talos: { version: environment.talos.version, kubernetesVersion: environment.talos.kubernetesVersion },
  }),
  // Read-only and a handful of GETs: the preflight itself is the check, so a revoked privilege or a missing
  // storage is found before anything else runs, every time.
  check: async (context) => {
    const { failed, summary, report } = await doctorVerdict(context);
    return failed.length === 0
      ? { upToDate: true, result: summary }
      : { upToDate: false, reason: `${failed.length} check(s) failed:\n${formatDoctorReport(report)}` };
  },
  run: async (context) => {
    const { failed, summary, report } = await doctorVerdict(context);
    if (failed.length > 0)
      throw new InfraError<WorkflowErrorCode>(
        'WORKFLOW_DOCTOR_FAILED',
        `doctor: ${failed.map((f) => `${f.check}: ${f.message}`).join('; ')}`,
        {
          hint: [
            ...failed.flatMap((f) => (f.fix ? [f.fix] : [])),
            `then ./infra up ${context.environment.name} (it starts again at doctor)`,
          ].join('; '),
          details: { report: formatDoctorReport(report) },
        },
      );
    return summary;
  },
};

const buildImages: Step = {
  inputs: async (context) => ({ talos: (await context.template()).fingerprintTag }),
  check: async (context) => {
    const [{ fingerprintTag }, connection] = await Promise.all([context.template(), context.connection()]);
    const resources = await connection.client.clusterResources('vm');
    const found = resources.find(
      (r) =>
        Boolean(r.template) &&
        typeof r.tags === 'string' &&
        r.tags.split(/[;, ]/).includes(fingerprintTag) &&
        String(r.node) === context.environment.proxmox.node,
    );
    return found
      ? { upToDate: true, result: { talos: { vmid: found.vmid, name: found.name, status: 'up-to-date' } } }
      : {
          upToDate: false,
          reason: `no template tagged ${fingerprintTag} on ${context.environment.proxmox.node}`,
        };
  },
  run: async (context) => {
    await context.connection();
    const { buildImage } = await import('@infra/template-builder');
    const built = await buildImage(context.environment, 'talos', {
      ...(context.logger ? { logger: context.logger } : {}),
    });
    return { talos: { vmid: built.vmid, name: built.name, status: built.status } };
  },
};

/**
 * The cluster stage of @infra/cluster (what scripts/cluster.ts up does). `check` runs the same stage with its
 * apply withheld: tofu plans, and with no change the outputs are read (kubeconfig, talosconfig rewritten,
 * identical); with a change nothing is applied.
 */
async function clusterStage(context: UpContext, mode: 'apply' | 'check') {
  const [cluster, { deployEnvironment }, connection, template, inlineManifests] = await Promise.all([
    import('@infra/cluster'),
    import('@infra/deploy'),
    context.connection(),
    context.template(),
    context.inlineManifests(),
  ]);
  let last: Awaited<ReturnType<typeof deployEnvironment>> | undefined;
  try {
    const result = await cluster.clusterUp({
      environment: context.environment,
      template,
      client: connection.client,
      prepareEmbeddedGpu: () => prepareEmbeddedHost(context),
      deploy: async (request) => {
        const { logger, ...rest } = request;
        last = await deployEnvironment({
          ...rest,
          stateName: 'cluster',
          // A check never applies: without `yes` (and without confirm) deploy plans and stops.
          ...(mode === 'check' ? { yes: false } : logger ? { logger } : {}),
        });
        return last;
      },
      inlineManifests,
      talosctl: context.talosctl,
      ...(context.logger ? { logger: context.logger } : {}),
      ...(context.signal ? { signal: context.signal } : {}),
    });
    context.clusterOutputs = last?.outputs ?? {};
    return {
      pending: false as const,
      changed: result.changed,
      kubeconfig: result.credentials.kubeconfig,
      talosconfig: result.credentials.talosconfig,
      next: result.next,
      ...(result.talosSimPid ? { talosSimPid: result.talosSimPid } : {}),
    };
  } catch (error) {
    // The withheld apply of a plan with changes leaves no outputs: the stage says so, and that is the verdict.
    if (
      mode === 'check' &&
      last?.changed &&
      !last.applied &&
      isInfraError<ClusterErrorCode>(error, 'CLUSTER_OUTPUT_MISSING')
    )
      return { pending: true as const, changes: last.changes };
    throw error;
  }
}

const clusterSummary = (r: Exclude<Awaited<ReturnType<typeof clusterStage>>, { pending: true }>) => ({
  changed: r.changed,
  kubeconfig: r.kubeconfig,
  talosconfig: r.talosconfig,
  next: r.next,
  ...(r.talosSimPid ? { talosSimPid: r.talosSimPid } : {}),
});

const deploy: Step = {
  inputs: async (context) => {
    const { readPatches } = await import('@infra/cluster');
    const { environment } = context;
    return {
      template: (await context.template()).fingerprintTag,
      cluster: environment.cluster,
      talos: environment.talos,
      patches: await readPatches(environment.talos.patches, environment.repoRoot),
      platform: await context.platformSources(),
    };
  },
  check: async (context) => {
    const r = await clusterStage(context, 'check');
    if (r.pending) {
      const c = r.changes;
      return {
        upToDate: false,
        reason: `tofu plans changes${c ? ` (${c.add} to add, ${c.change} to change, ${c.remove} to destroy)` : ''}`,
      };
    }
    return { upToDate: true, result: clusterSummary(r) };
  },
  run: async (context) => {
    const r = await clusterStage(context, 'apply');
    if (r.pending) throw new Error('unreachable: an apply is never withheld');
    return clusterSummary(r);
  },
};

interface Health {
  ok: boolean;
  reason: string;
  etcd: Record<string, string>;
}

/** talosctl against every node: `version` answers, and on each control plane etcd runs and lists them all. */
async function clusterHealth(context: UpContext): Promise<Health> {
  const { credentialsDir } = await import('@infra/cluster');
  const cluster = await spec(context);
  const talosconfig = join(
    credentialsDir(context.environment.repoRoot, context.environment.name),
    'talosconfig',
  );
  const talosctl = (args: string[]) =>
    runProcess(context.talosctl, ['--talosconfig', talosconfig, ...args], {
      env: { PATH: context.toolPath },
      timeoutMs: 30_000,
      ...(context.signal ? { signal: context.signal } : {}),
    });
  const nodes = Object.entries(cluster.nodes);
  const controlPlanes = nodes.filter(([, n]) => n.role === 'controlplane');
  const etcd: Record<string, string> = {};
  for (const [name, node] of nodes) {
    const version = await talosctl(['--nodes', node.ip, 'version']);
    if (version.exitCode !== 0)
      return { ok: false, reason: `${name} (${node.ip}): talosctl version: ${version.stderr.trim()}`, etcd };
  }
  for (const [name, node] of controlPlanes) {
    const service = await talosctl(['--nodes', node.ip, 'service', 'etcd']);
    const state = /^STATE\s+(\S+)/m.exec(service.stdout)?.[1] ?? 'unknown';
    const health = /^HEALTH\s+(\S+)/m.exec(service.stdout)?.[1] ?? 'unknown';
    etcd[name] = state;
    if (service.exitCode !== 0 || state !== 'Running' || health !== 'OK')
      return { ok: false, reason: `${name}: etcd ${state} (health ${health})`, etcd };
    const members = await talosctl(['--nodes', node.ip, 'etcd', 'members']);
    const missing = controlPlanes.filter(([other]) => !members.stdout.includes(other)).map(([n]) => n);
    if (members.exitCode !== 0 || missing.length > 0)
      return {
        ok: false,
        reason: `${name}: etcd members lack ${missing.join(', ') || members.stderr.trim()}`,
        etcd,
      };
  }
  return { ok: true, reason: 'healthy', etcd };
}

const bootstrap: Step = {
  inputs: (context) => ({ cluster: context.environment.cluster }),
  check: async (context): Promise<FreshnessVerdict> => {
    const health = await clusterHealth(context);
    return health.ok
      ? { upToDate: true, result: { etcd: health.etcd } }
      : { upToDate: false, reason: health.reason };
  },
  run: async (context) => {
    const cluster = await spec(context);
    const first = Object.entries(cluster.nodes).find(([, n]) => n.role === 'controlplane');
    let health = await clusterHealth(context);
    let bootstrapped = false;
    const deadline = Date.now() + 180_000;
    while (!health.ok && Date.now() < deadline) {
      // etcd waiting for a bootstrap the apply did not make: Talos' own answer is `talosctl bootstrap`, once.
      if (!bootstrapped && first && health.etcd[first[0]] === 'Preparing') {
        const { credentialsDir } = await import('@infra/cluster');
        const dir = credentialsDir(context.environment.repoRoot, context.environment.name);
        const ip = first[1].ip;
        const result = await runProcess(
          context.talosctl,
          ['--talosconfig', join(dir, 'talosconfig'), '--nodes', ip, 'bootstrap'],
          { env: { PATH: context.toolPath }, timeoutMs: 60_000 },
        );
        if (result.exitCode !== 0 && !/AlreadyExists/.test(result.stderr))
          context.logger?.warn(`talosctl bootstrap ${first[0]}: ${result.stderr.trim()}`);
        bootstrapped = true;
      }
      await new Promise((r) => setTimeout(r, 2_000));
      context.signal?.throwIfAborted();
      health = await clusterHealth(context);
    }
    if (!health.ok)
      throw new InfraError<WorkflowErrorCode>(
        'WORKFLOW_BOOTSTRAP_TIMEOUT',
        `cluster not healthy after 3 min: ${health.reason}`,
        {
          hint: `look at the node: talosctl --talosconfig .infra/clusters/${context.environment.name}/talosconfig --nodes ${first?.[1].ip ?? '<cp>'} dmesg`,
        },
      );
    return { etcd: health.etcd, bootstrapCalled: bootstrapped };
  },
};

/** cluster.inlineManifests of a machine configuration (the applied one, from the cluster stage's outputs). */
function manifestsOfConfig(config: string): Record<string, string> {
  for (const doc of parseAllDocuments(config)) {
    const value = doc.toJS() as { cluster?: { inlineManifests?: Array<{ name: string; contents: string }> } };
    if (value?.cluster)
      return Object.fromEntries((value.cluster.inlineManifests ?? []).map((m) => [m.name, m.contents]));
  }
  return {};
}

async function platformVerdict(context: UpContext): Promise<FreshnessVerdict> {
  const cluster = await spec(context);
  const rendered = Object.fromEntries((await context.inlineManifests()).map((m) => [m.name, m.contents]));
  const names = Object.keys(rendered).sort();
  const embedded = context.environment.proxmox.endpoint === 'embedded';
  const configs = context.clusterOutputs?.machine_configurations?.value as Record<string, string> | undefined;
  for (const [name, node] of Object.entries(cluster.nodes).filter(([, n]) => n.role === 'controlplane')) {
    // What the node received (the Talos simulator's record) on embedded; elsewhere the machine configuration
    // the talos provider applied in this run (tofu planned no change, so it is what the node has).
    let delivered: Record<string, string>;
    if (embedded) delivered = await deliveredInlineManifests(context.environment, node.ip);
    else if (configs?.[name]) delivered = manifestsOfConfig(configs[name]);
    else
      return {
        upToDate: false,
        reason: `no applied machine configuration of ${name} in this run to compare`,
      };
    const differing = [...new Set([...names, ...Object.keys(delivered)])]
      .sort()
      .filter((m) => (rendered[m] ?? '').trim() !== (delivered[m] ?? '').trim());
    if (differing.length > 0)
      return {
        upToDate: false,
        reason: `${name} received ${differing.join(', ')} different from what renders now`,
      };
  }
  return { upToDate: true, result: { manifests: names } };
}

const platform: Step = {
  inputs: async (context) => ({
    platform: await context.platformSources(),
    cluster: context.environment.cluster,
  }),
  check: platformVerdict,
  run: async (context) => {
    const before = await platformVerdict(context);
    if (before.upToDate) return before.result ?? {};
    const applied = await clusterStage(context, 'apply');
    const after = await platformVerdict(context);
    if (!after.upToDate)
      throw new InfraError<WorkflowErrorCode>(
        'WORKFLOW_PLATFORM_NOT_DELIVERED',
        `platform: ${after.reason}`,
        {
          hint: `render it: ./infra platform render -e ${context.environment.name}; then ./infra up ${context.environment.name} --from deploy`,
        },
      );
    return { ...(after.result ?? {}), reapplied: !applied.pending && applied.changed };
  },
};

export const UP: WorkflowDefinition<UpContext> = {
  declaration: UP_WORKFLOW,
  steps: {
    doctor,
    'build-images': buildImages,
    deploy,
    bootstrap,
    platform,
  } satisfies Record<UpStepId, Step>,
};
