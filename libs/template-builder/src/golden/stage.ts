import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Environment } from '@infra/config';
import type { BuildContext } from '../build';
import { underBuildLock } from '../build-lock';
import { observeTemplates } from '../observe';
import { findTemplate, fingerprintTag, parseManagedDescription, stableJson } from '../plan';
import { goldenInputs } from './inputs';
import { packerReadiness, packerSkipReason, runPackerBuild } from './packer';

/**
 * The optional golden stage of a recipe: Packer (and the Ansible it runs) on top of the base template. It is
 * content-addressed like the base: its fingerprint covers the base template's fingerprint and every file that
 * defines it (`goldenInputs`), and a golden template carrying that fingerprint (tag + description) means
 * done, with read-only calls only.
 */
export interface GoldenRecipe {
  /** repo-relative path → sha256 of every file that defines the golden template. */
  inputs(): Promise<Record<string, string>>;
}

export type GoldenResult =
  | { status: 'skipped'; reason: string }
  | { status: 'up-to-date'; vmid: number; fingerprint: string }
  | { status: 'built'; vmid: number; fingerprint: string; baseVmid?: number };

export const GOLDEN_MANAGED_BY = 'infra golden-image';

export interface GoldenDescription {
  managedBy: typeof GOLDEN_MANAGED_BY;
  os: string;
  fingerprint: string;
  /** The base template (cloud images), or only the base fingerprint (ISO OSes: their install media). */
  base: { vmid?: number; fingerprint: string };
  inputs: Record<string, string>;
  builtAt: string;
}

export const parseGoldenDescription = (text: string | undefined) =>
  parseManagedDescription<GoldenDescription>(text, GOLDEN_MANAGED_BY);

/** The golden stage of `packer/<os>/`, when that folder exists. */
export function packerGolden(environment: Environment, os: string): GoldenRecipe | undefined {
  if (!existsSync(join(environment.repoRoot, 'packer', os))) return undefined;
  return { inputs: () => goldenInputs(environment.repoRoot, os) };
}

export function goldenFingerprint(baseFingerprint: string, inputs: Record<string, string>): string {
  return createHash('sha256')
    .update(stableJson({ golden: 1, base: baseFingerprint, inputs }))
    .digest('hex');
}

/** Runs (or finds) the golden template on the base template `base`. */
export async function goldenStage(
  context: BuildContext,
  golden: GoldenRecipe,
  base: { vmid?: number; fingerprint: string },
): Promise<GoldenResult> {
  const { environment, recipe, connection, options, run } = context;
  const log = options.logger;
  if (options.baseOnly) return { status: 'skipped', reason: '--base-only: stopping after the base template' };
  if (options.dryRun) return { status: 'skipped', reason: 'dry run' };
  const inputs = await golden.inputs();
  const fingerprint = goldenFingerprint(base.fingerprint, inputs);
  const node = recipe.placement.node;
  const find = async () =>
    findTemplate(
      node,
      fingerprint,
      await observeTemplates(connection.client, { node }, fingerprint),
      parseGoldenDescription,
    );
  const existing = await find();
  if (existing) return { status: 'up-to-date', vmid: existing.vmid, fingerprint };
  const reason = packerSkipReason(
    await packerReadiness({ baseOnly: false, runsGuests: connection.host.runsGuests }),
    recipe.base === 'media' ? 'the install media are the result' : undefined,
  );
  if (reason) {
    log?.info(reason);
    return { status: 'skipped', reason };
  }
  return underBuildLock(connection, node, run, options, async () => {
    const found = await find(); // another build may have made it while this one waited
    if (found) return { status: 'up-to-date', vmid: found.vmid, fingerprint };
    const built = await runPackerBuild(
      environment,
      recipe.os,
      connection.client,
      base.vmid,
      log ? { logger: log } : {},
    );
    if (built.status !== 'built') return built;
    const description: GoldenDescription = {
      managedBy: GOLDEN_MANAGED_BY,
      os: recipe.os,
      fingerprint,
      base,
      inputs,
      builtAt: (options.now ?? (() => new Date()))().toISOString(),
    };
    // Packer names the template; the fingerprint makes the next build find it.
    await connection.client.updateVmConfig(node, built.templateVmid, {
      tags: ['infra', recipe.os, 'golden', fingerprintTag(fingerprint)].join(';'),
      description: JSON.stringify(description),
    });
    return {
      status: 'built',
      vmid: built.templateVmid,
      fingerprint,
      ...(base.vmid !== undefined ? { baseVmid: base.vmid } : {}),
    };
  });
}
