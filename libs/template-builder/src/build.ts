import type { Environment } from '@infra/config';
import type { Logger } from '@infra/core';
import { type BuildLockOptions, underBuildLock } from './build-lock';
import { type Connection, connectEnvironment } from './connect';
import { type ExecuteOptions, executeBuildPlan, type StepEvent } from './execute';
import { goldenStage } from './golden/stage';
import { verifyLocalCopy } from './local-media';
import { observeForBuild, observeMedia, observeTemplates } from './observe';
import { findUpToDate, parseTemplateDescription, planBuild, templateFingerprint } from './plan';
import { planMedia } from './plan-media';
import { type MediaRecipe, type Recipe, recipeFor, type TemplateRecipe } from './recipe';
import { type BuildResult, reportedSteps, requestCounter } from './result';
import { type BuildRun, newBuildRun } from './run-marker';

export interface BuildOptions {
  dryRun?: boolean;
  /** Stop after the base template (no golden stage). */
  baseOnly?: boolean;
  logger?: Logger;
  onEvent?: (event: StepEvent) => void;
  /** Use this connection instead of opening one (tests, benchmarks); it is not closed. */
  connection?: Connection;
  now?: () => Date;
  /** SIGINT/SIGTERM: stops the running step and cleans up like a failure (BUILD_INTERRUPTED). */
  signal?: AbortSignal;
  /** This run's identity (default: a fresh one); its markers are on the VM until it is a template. */
  run?: BuildRun;
  /** Build lock timing (tests); the defaults suit real builds. */
  lock?: Pick<BuildLockOptions, 'staleMs' | 'waitMs' | 'pollMs'>;
}

/** What the stages of one build share. */
export interface BuildContext {
  environment: Environment;
  recipe: Recipe;
  connection: Connection;
  options: BuildOptions;
  run: BuildRun;
}

/** What the base stage made or found: a template (Talos, cloud images) or install media (ISO OSes). */
interface BaseOutcome {
  status: BuildResult['status'];
  vmid?: number;
  media?: string[];
  steps: BuildResult['steps'];
  sourceUrl?: string;
}

/**
 * `<os>:build-image`, the one pipeline for every OS: the recipe → its fingerprint → the base stage (observe: a
 * template with that fingerprint, or the install media, means done, read-only → the recipe's source → plan
 * (pure) → under the build lock, observe and plan again, execute with ownership-checked cleanup) → the golden
 * stage, if the recipe has one → the result.
 */
export async function buildImage(
  environment: Environment,
  os: string,
  options: BuildOptions = {},
): Promise<BuildResult> {
  const started = Date.now();
  const log = options.logger;
  const connection =
    options.connection ?? (await connectEnvironment(environment, log ? { logger: log } : {}));
  try {
    // The recipe sees the catalog as this host downloads it (the embedded image mirror on `local`).
    const hostEnvironment = connection.images ? { ...environment, images: connection.images } : environment;
    const recipe = await recipeFor(hostEnvironment, os);
    for (const warning of recipe.warnings) log?.warn(warning);
    const fingerprint = templateFingerprint(recipe);
    const run = options.run ?? newBuildRun();
    log?.info(
      `${os} · ${Object.values(recipe.identity).join(' · ')} · fingerprint ${fingerprint.slice(0, 16)}…`,
    );
    const context: BuildContext = { environment: hostEnvironment, recipe, connection, options, run };
    const counts = requestCounter(connection);
    const warnings = [...recipe.warnings];
    const base =
      recipe.base === 'media'
        ? await mediaBase(context, recipe, warnings)
        : await templateBase(context, recipe, fingerprint, warnings);
    const golden =
      recipe.golden && base.status !== 'dry-run'
        ? await goldenStage(context, recipe.golden, {
            ...(base.vmid !== undefined ? { vmid: base.vmid } : {}),
            fingerprint,
          })
        : undefined;
    return {
      environment: environment.name,
      os,
      node: recipe.placement.node,
      fingerprint,
      name: recipe.templateName(fingerprint),
      identity: recipe.identity,
      status: base.status,
      ...(base.vmid !== undefined ? { vmid: base.vmid } : {}),
      ...(base.media ? { media: base.media } : {}),
      ...(base.sourceUrl ? { sourceUrl: base.sourceUrl } : {}),
      runId: run.id,
      steps: base.steps,
      ...(recipe.golden ? { golden: golden ?? { status: 'skipped', reason: 'dry run' } } : {}),
      proxmoxRequests: counts(),
      durationMs: Date.now() - started,
      warnings,
    };
  } finally {
    if (!options.connection) await connection.close();
  }
}

/** A base template imported from the recipe's disk image. */
async function templateBase(
  context: BuildContext,
  recipe: TemplateRecipe,
  fingerprint: string,
  warnings: string[],
): Promise<BaseOutcome> {
  const { connection, options, run } = context;
  const { client, host } = connection;
  const log = options.logger;
  const existing = findUpToDate(
    recipe,
    fingerprint,
    await observeTemplates(client, recipe.placement, fingerprint),
  );
  if (existing) return { status: 'up-to-date', vmid: existing.vmid, steps: [] };

  const source = await recipe.source({
    environment: context.environment,
    connection,
    dryRun: options.dryRun === true,
    ...(log ? { logger: log } : {}),
  });
  const sourceUrl = source.url;
  const problem = host.downloadProblem(source.url, recipe.sourceSetting);
  if (problem && !options.dryRun) throw problem;
  if (problem) warnings.push(problem.message);
  // Setting up the embedded demo host is not a build step, so it happens in a dry run too.
  if (await host.prepareImageStorage(client, recipe.placement.storage.images))
    log?.info(`embedded Proxmox: enabled "import" content on storage ${recipe.placement.storage.images}`);
  const now = (options.now ?? (() => new Date()))();
  const decide = async () => {
    const nodeVms = await observeTemplates(client, recipe.placement, fingerprint);
    return planBuild(recipe, await observeForBuild(client, recipe.placement, nodeVms), source, now, run);
  };
  // Planned before the lock too, so that storage and VMID problems fail before any change.
  const first = await decide();
  if (first.status === 'up-to-date')
    return { status: 'up-to-date', vmid: first.template.vmid, steps: [], sourceUrl };
  if (options.dryRun)
    return { status: 'dry-run', vmid: first.plan.vmid, steps: reportedSteps(first.plan.steps), sourceUrl };
  return underBuildLock(connection, recipe.placement.node, run, options, async (signal) => {
    // Looked at again under the lock: a build that waited finds what the other one built.
    const decision = await decide();
    if (decision.status === 'up-to-date')
      return { status: 'up-to-date' as const, vmid: decision.template.vmid, steps: [], sourceUrl };
    const done = await executeBuildPlan(client, decision.plan, executeOptions(recipe, options, signal));
    warnings.push(...done.warnings);
    return {
      status: 'built' as const,
      vmid: done.vmid ?? decision.plan.vmid,
      steps: reportedSteps(done.steps),
      sourceUrl,
    };
  });
}

/** An ISO OS's install media in the images storage's `iso` content, each checksum-verified by Proxmox. */
async function mediaBase(
  context: BuildContext,
  recipe: MediaRecipe,
  warnings: string[],
): Promise<BaseOutcome> {
  const { connection, options, run } = context;
  const { client, host } = connection;
  const { placement } = recipe;
  const sourceUrl = recipe.media[0]?.url;
  const outcome = (status: BaseOutcome['status'], volumes: string[], steps: BaseOutcome['steps'] = []) => ({
    status,
    media: volumes,
    steps,
    ...(sourceUrl ? { sourceUrl } : {}),
  });
  const decide = async () =>
    planMedia(placement, await observeMedia(client, placement), recipe.media, recipe.what);
  const observed = await observeMedia(client, placement);
  // A local copy that is not on the host yet: say whether it is the pinned file before saying where it goes.
  for (const medium of recipe.media)
    if (medium.localPath !== undefined && !observed.isoVolumes.includes(medium.volid))
      await verifyLocalCopy({ ...medium, localPath: medium.localPath });
  const first = planMedia(placement, observed, recipe.media, recipe.what);
  if (first.status === 'up-to-date') return outcome('up-to-date', first.volumes);
  const downloads = first.steps.filter((s) => s.kind === 'download');
  for (const medium of recipe.media.filter((m) => downloads.some((s) => s.volid === m.volid))) {
    const problem = host.downloadProblem(medium.url, medium.setting);
    if (problem && !options.dryRun) throw problem;
    if (problem) warnings.push(problem.message);
  }
  if (options.dryRun) return outcome('dry-run', first.volumes, reportedSteps(first.steps));
  return underBuildLock(connection, placement.node, run, options, async (signal) => {
    const decision = await decide();
    if (decision.status === 'up-to-date') return outcome('up-to-date', decision.volumes);
    const done = await executeBuildPlan(
      client,
      { name: recipe.templateName(templateFingerprint(recipe)), runId: run.id, steps: decision.steps },
      executeOptions(recipe, options, signal),
    );
    warnings.push(...done.warnings);
    return outcome('built', decision.volumes, reportedSteps(done.steps));
  });
}

/** How the executor runs this recipe's steps: on its node, within its VMID range, stoppable by `signal`. */
const executeOptions = (recipe: Recipe, options: BuildOptions, signal: AbortSignal): ExecuteOptions => ({
  node: recipe.placement.node,
  vmidRange: recipe.placement.vmidRange,
  readDescription: parseTemplateDescription,
  signal,
  ...(options.onEvent ? { onEvent: options.onEvent } : {}),
});
