import type { Environment } from '@infra/config';
import type { Logger } from '@infra/core';
import { type BuildLockOptions, underBuildLock } from './build-lock';
import { type Connection, connectEnvironment } from './connect';
import { executeBuildPlan, type StepEvent } from './execute';
import { goldenStage } from './golden/stage';
import { observeForBuild, observeTemplates } from './observe';
import {
  findUpToDate,
  type ImageSource,
  parseTemplateDescription,
  planBuild,
  templateFingerprint,
} from './plan';
import { type Recipe, recipeFor } from './recipe';
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

/**
 * `<os>:build-image`, the one pipeline for every OS: the recipe → its fingerprint → observe (a template with
 * that fingerprint: done, read-only) → the recipe's source → plan (pure) → under the build lock, observe and
 * plan again, execute with ownership-checked cleanup → the golden stage, if the recipe has one → the result.
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
  // The recipe sees the catalog as this host downloads it (the embedded image mirror on `local`).
  const hostEnvironment = connection.images ? { ...environment, images: connection.images } : environment;
  const recipe = await recipeFor(hostEnvironment, os).catch(async (error: unknown) => {
    if (!options.connection) await connection.close();
    throw error;
  });
  for (const warning of recipe.warnings) log?.warn(warning);
  const fingerprint = templateFingerprint(recipe);
  const run = options.run ?? newBuildRun();
  log?.info(
    `${os} · ${Object.values(recipe.identity).join(' · ')} · fingerprint ${fingerprint.slice(0, 16)}…`,
  );
  const context: BuildContext = { environment: hostEnvironment, recipe, connection, options, run };
  const counts = requestCounter(connection);
  const warnings = [...recipe.warnings];
  let source: ImageSource | undefined;
  const result = async (
    fields: Pick<BuildResult, 'status' | 'vmid' | 'steps'>,
    golden: boolean,
  ): Promise<BuildResult> => {
    const goldenResult =
      golden && recipe.golden
        ? await goldenStage(context, recipe.golden, { vmid: fields.vmid, fingerprint })
        : undefined;
    return {
      environment: environment.name,
      os,
      node: recipe.placement.node,
      fingerprint,
      name: recipe.templateName(fingerprint),
      identity: recipe.identity,
      ...(source ? { sourceUrl: source.url } : {}),
      runId: run.id,
      ...fields,
      ...(recipe.golden ? { golden: goldenResult ?? { status: 'skipped', reason: 'dry run' } } : {}),
      proxmoxRequests: counts(),
      durationMs: Date.now() - started,
      warnings,
    };
  };
  try {
    const { client, host } = connection;
    const existing = findUpToDate(
      recipe,
      fingerprint,
      await observeTemplates(client, recipe.placement, fingerprint),
    );
    if (existing) return await result({ status: 'up-to-date', vmid: existing.vmid, steps: [] }, true);

    source = await recipe.source({
      environment: hostEnvironment,
      connection,
      dryRun: options.dryRun === true,
      ...(log ? { logger: log } : {}),
    });
    const problem = host.downloadProblem(source.url, recipe.sourceSetting);
    if (problem && !options.dryRun) throw problem;
    if (problem) warnings.push(problem.message);
    // Setting up the embedded demo host is not a build step, so it happens in a dry run too.
    if (await host.prepareImageStorage(client, recipe.placement.storage.images))
      log?.info(`embedded Proxmox: enabled "import" content on storage ${recipe.placement.storage.images}`);
    const image = source;
    const now = (options.now ?? (() => new Date()))();
    const decide = async () => {
      const nodeVms = await observeTemplates(client, recipe.placement, fingerprint);
      return planBuild(recipe, await observeForBuild(client, recipe.placement, nodeVms), image, now, run);
    };
    // Planned before the lock too, so that storage and VMID problems fail before any change.
    const first = await decide();
    if (first.status === 'up-to-date')
      return await result({ status: 'up-to-date', vmid: first.template.vmid, steps: [] }, true);
    if (options.dryRun)
      return await result(
        { status: 'dry-run', vmid: first.plan.vmid, steps: reportedSteps(first.plan.steps) },
        false,
      );
    const base = await underBuildLock(connection, recipe.placement.node, run, options, async (signal) => {
      // Looked at again under the lock: a build that waited finds what the other one built.
      const decision = await decide();
      if (decision.status === 'up-to-date')
        return { status: 'up-to-date' as const, vmid: decision.template.vmid, steps: [] };
      const done = await executeBuildPlan(client, decision.plan, {
        node: recipe.placement.node,
        vmidRange: recipe.placement.vmidRange,
        readDescription: parseTemplateDescription,
        signal,
        ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      });
      warnings.push(...done.warnings);
      return { status: 'built' as const, vmid: done.vmid, steps: reportedSteps(done.steps) };
    });
    return await result(base, true);
  } finally {
    if (!options.connection) await connection.close();
  }
}
