import type { Environment } from '@infra/config';
import { InfraError } from '@infra/core';
import {
  type BuildOptions,
  type BuildResultCommon,
  reportedSteps,
  requestCounter,
  underBuildLock,
} from '../build-common';
import { connectEnvironment, prepareEmbeddedHost } from '../connect';
import { executeBuildPlan } from '../execute';
import { newBuildRun } from '../run-marker';
import { observeForBuild, observeTemplates } from '../talos/observe';
import { type PackerStageResult, packerReadiness, packerSkipReason, runPackerBuild } from './packer';
import { findCloudImageTemplate, planCloudImageBuild } from './plan';
import {
  cloudImageFingerprint,
  cloudImageSpec,
  cloudImageTemplateName,
  parseCloudImageDescription,
} from './spec';

export interface BuildCloudImageOptions extends BuildOptions {
  /** Stop after the base template (no Packer stage). */
  baseOnly?: boolean;
}

/** `vmid`/`name` are the base template (stage 1); `packer` is stage 2. */
export interface CloudImageBuildResult extends BuildResultCommon {
  os: string;
  version: string;
  sourceUrl: string;
  packer: PackerStageResult;
}

const isLoopbackUrl = (url: string) => {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
};

/** The embedded simulator fetches loopback URLs only (a sandbox rule): say so before anything changes. */
function simulatorCannotDownload(os: string, url: string): InfraError {
  return new InfraError(
    'SIM_LOOPBACK_ONLY',
    `the embedded Proxmox simulator only downloads from loopback URLs (127.0.0.0/8, ::1, localhost), a sandbox rule of this project and not a Proxmox limitation, so it cannot fetch images.${os}.source.url (${url})`,
    {
      hint: `build on a real Proxmox host (\`-e prod\`), or serve the image locally (e.g. \`python3 -m http.server -b 127.0.0.1 8080\` in its folder) and point images.${os}.source.url at http://127.0.0.1:8080/<file>.qcow2 in an environment of infra.config.yaml (same checksum)`,
      details: { os, url },
    },
  );
}

/**
 * `<os>:build-image` for a cloud-image OS (`images.<os>` in the config): fingerprint → base template with that
 * fingerprint on the node? (read-only) → otherwise plan + execute with cleanup (the Talos executor) → the
 * Packer stage when the host and toolchain can run it.
 */
export async function buildCloudImageTemplate(
  environment: Environment,
  os: string,
  options: BuildCloudImageOptions = {},
): Promise<CloudImageBuildResult> {
  const started = Date.now();
  const log = options.logger;
  const spec = cloudImageSpec(environment, os);
  const fingerprint = cloudImageFingerprint(spec);
  log?.info(`${os} ${spec.version} · ${spec.source.url} · fingerprint ${fingerprint.slice(0, 16)}…`);
  const connection =
    options.connection ?? (await connectEnvironment(environment, { ...(log ? { logger: log } : {}) }));
  const counts = requestCounter(connection);
  const warnings: string[] = [];
  let runId = options.run?.id ?? '';
  const result = (
    fields: Pick<CloudImageBuildResult, 'status' | 'vmid' | 'steps' | 'packer'>,
  ): CloudImageBuildResult => ({
    environment: environment.name,
    runId,
    os,
    version: spec.version,
    node: spec.node,
    fingerprint,
    name: cloudImageTemplateName(spec, fingerprint),
    sourceUrl: spec.source.url,
    ...fields,
    proxmoxRequests: counts(),
    durationMs: Date.now() - started,
    warnings,
  });
  const packerStage = async (baseVmid: number): Promise<PackerStageResult> => {
    if (options.dryRun) return { status: 'skipped', reason: 'dry run' };
    const reason = packerSkipReason(await packerReadiness(environment, options.baseOnly === true));
    if (reason) {
      log?.info(reason);
      return { status: 'skipped', reason };
    }
    return runPackerBuild(environment, os, connection.client, baseVmid, log ? { logger: log } : {});
  };
  try {
    const { client } = connection;
    const nodeVms = await observeTemplates(client, spec, fingerprint);
    const existing = findCloudImageTemplate(spec, fingerprint, nodeVms);
    if (existing) {
      return result({
        status: 'up-to-date',
        vmid: existing.vmid,
        steps: [],
        packer: await packerStage(existing.vmid),
      });
    }
    if (connection.pveEmbedded && !isLoopbackUrl(spec.source.url)) {
      if (!options.dryRun) throw simulatorCannotDownload(os, spec.source.url);
      warnings.push(simulatorCannotDownload(os, spec.source.url).message);
    }
    // Setting up the embedded demo host is not a build step, so it happens in a dry run too.
    if (connection.pveEmbedded && (await prepareEmbeddedHost(client, environment))) {
      log?.info(`embedded Proxmox: enabled "import" content on storage ${spec.storage.images}`);
    }
    const run = options.run ?? newBuildRun();
    runId = run.id;
    const now = (options.now ?? (() => new Date()))();
    const decide = async () => {
      const observed = await observeForBuild(client, spec, await observeTemplates(client, spec, fingerprint));
      return planCloudImageBuild(spec, observed, now, run);
    };
    // Planned before the lock too, so that storage and VMID problems fail before any change.
    const first = await decide();
    if (first.status === 'up-to-date') {
      return result({
        status: 'up-to-date',
        vmid: first.template.vmid,
        steps: [],
        packer: await packerStage(first.template.vmid),
      });
    }
    if (options.dryRun) {
      return result({
        status: 'dry-run',
        vmid: first.plan.vmid,
        steps: reportedSteps(first.plan.steps),
        packer: { status: 'skipped', reason: 'dry run' },
      });
    }
    const base = await underBuildLock(connection, spec.node, run, options, async (signal) => {
      // Looked at again under the lock: a build that waited finds what the other one built.
      const decision = await decide();
      if (decision.status === 'up-to-date') return { vmid: decision.template.vmid, built: undefined };
      const done = await executeBuildPlan(client, decision.plan, {
        node: spec.node,
        vmidRange: spec.vmidRange,
        readDescription: parseCloudImageDescription,
        signal,
        ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      });
      warnings.push(...done.warnings);
      return { vmid: done.vmid, built: reportedSteps(done.steps) };
    });
    return result({
      status: base.built ? 'built' : 'up-to-date',
      vmid: base.vmid,
      steps: base.built ?? [],
      packer: await packerStage(base.vmid),
    });
  } finally {
    if (!options.connection) await connection.close();
  }
}
