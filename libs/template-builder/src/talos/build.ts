import { join } from 'node:path';
import type { Environment } from '@infra/config';
import {
  checkNvidiaExtensions,
  FactoryClient,
  imageFactoryUrls,
  loadSchematicFile,
  parseTalosVersion,
} from '@infra/talos-factory';
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
import { imageSha256 } from './checksum';
import { observeForBuild, observeTemplates } from './observe';
import { findUpToDate, planTalosBuild } from './plan';
import { parseTemplateDescription, type TalosTemplateSpec, templateFingerprint, templateName } from './spec';

export type BuildTalosOptions = BuildOptions;

export interface BuildResult extends BuildResultCommon {
  schematicId: string;
  talosVersion: string;
  imageUrl?: string;
}

export function talosSpec(environment: Environment, schematicId: string): TalosTemplateSpec {
  return {
    node: environment.proxmox.node,
    bridge: environment.proxmox.bridge,
    storage: environment.proxmox.storage,
    vmidRange: environment.templates.vmidRange,
    schematicId,
    talosVersion: parseTalosVersion(environment.talos.version).text,
    platform: environment.talos.platform,
    arch: environment.talos.arch,
    hardware: environment.talos.hardware,
  };
}

/**
 * `talos:build-image`: schematic → offline ID → fingerprint → (template with that fingerprint on the node?
 * done, with read-only calls only) → factory checks and registration → plan → execute with cleanup.
 */
export async function buildTalosTemplate(
  environment: Environment,
  options: BuildTalosOptions = {},
): Promise<BuildResult> {
  const started = Date.now();
  const log = options.logger;
  const schematic = await loadSchematicFile(environment.talos.schematic);
  const warnings = [
    ...schematic.warnings,
    ...checkNvidiaExtensions(schematic.schematic.customization.systemExtensions?.officialExtensions ?? []),
  ];
  for (const w of warnings) log?.warn(w);
  const spec = talosSpec(environment, schematic.id);
  const run = options.run ?? newBuildRun();
  const fingerprint = templateFingerprint(spec);
  log?.info(
    `schematic ${schematic.id} · Talos ${spec.talosVersion} · fingerprint ${fingerprint.slice(0, 16)}…`,
  );

  const connection =
    options.connection ?? (await connectEnvironment(environment, { ...(log ? { logger: log } : {}) }));
  const counts = requestCounter(connection);
  const base = {
    environment: environment.name,
    node: spec.node,
    fingerprint,
    runId: run.id,
    schematicId: schematic.id,
    talosVersion: spec.talosVersion,
    name: templateName(spec),
    warnings,
  };
  try {
    const { client } = connection;
    const nodeVms = await observeTemplates(client, spec, fingerprint);
    const existing = findUpToDate(spec, fingerprint, nodeVms);
    if (existing) {
      return {
        ...base,
        status: 'up-to-date',
        vmid: existing.vmid,
        steps: [],
        proxmoxRequests: counts(),
        durationMs: Date.now() - started,
      };
    }

    const factoryUrl = await connection.factoryUrl();
    const factory = new FactoryClient({
      baseUrl: factoryUrl,
      cacheDir: join(environment.repoRoot, '.infra', 'cache', 'factory'),
      onWarning: (w) => log?.warn(w),
    });
    const extensions = schematic.schematic.customization.systemExtensions?.officialExtensions ?? [];
    await factory.assertVersion(spec.talosVersion);
    await factory.assertExtensions(spec.talosVersion, extensions);
    const imageUrl = imageFactoryUrls({
      factoryUrl,
      schematicId: schematic.id,
      talosVersion: spec.talosVersion,
      platform: spec.platform,
      arch: environment.talos.arch,
      diskImageFormat: 'qcow2',
    }).disk_image;
    const checksumCache = join(environment.repoRoot, '.infra', 'cache', 'factory');

    // Setting up the embedded demo host is not a build step, so it happens in a dry run too.
    if (connection.pveEmbedded && (await prepareEmbeddedHost(client, environment))) {
      log?.info(
        `embedded Proxmox: enabled "import" content on storage ${environment.proxmox.storage.images}`,
      );
    }
    if (!options.dryRun) {
      await factory.createSchematic(schematic);
      log?.info(`registered schematic ${schematic.id} at ${factory.baseUrl} (factory ID = offline ID)`);
    }
    const sha256 = options.dryRun
      ? '<sha256 of the image, computed before the download>'
      : await imageSha256(imageUrl, { cacheDir: checksumCache });
    const now = (options.now ?? (() => new Date()))();
    const upToDate = (vmid: number): BuildResult => ({
      ...base,
      status: 'up-to-date',
      vmid,
      steps: [],
      proxmoxRequests: counts(),
      durationMs: Date.now() - started,
    });
    const decide = async () => {
      const observed = await observeForBuild(client, spec, await observeTemplates(client, spec, fingerprint));
      return planTalosBuild(spec, observed, { url: imageUrl, sha256 }, now, run);
    };
    // Planned before the lock too, so that storage and VMID problems fail before any change.
    const first = await decide();
    if (first.status === 'up-to-date') return upToDate(first.template.vmid);
    if (options.dryRun) {
      const decision = first;
      return {
        ...base,
        status: 'dry-run',
        vmid: decision.plan.vmid,
        imageUrl,
        steps: reportedSteps(decision.plan.steps),
        proxmoxRequests: counts(),
        durationMs: Date.now() - started,
      };
    }
    return await underBuildLock(connection, spec.node, run, options, async (signal) => {
      // Looked at again under the lock: a build that waited finds what the other one built.
      const decision = await decide();
      if (decision.status === 'up-to-date') return upToDate(decision.template.vmid);
      const done = await executeBuildPlan(client, decision.plan, {
        node: spec.node,
        vmidRange: spec.vmidRange,
        readDescription: parseTemplateDescription,
        signal,
        ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      });
      return {
        ...base,
        status: 'built',
        vmid: done.vmid,
        imageUrl,
        steps: reportedSteps(done.steps),
        proxmoxRequests: counts(),
        durationMs: Date.now() - started,
        warnings: [...warnings, ...done.warnings],
      };
    });
  } finally {
    if (!options.connection) await connection.close();
  }
}
