import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type CoreErrorCode, isInfraError } from '@infra/core';
import {
  checkInlineManifests,
  clusterVersions,
  type InlineManifest,
  inlineManifestOf,
  renderClusterCriticalComponents,
} from '@infra/platform';
import { validateMachineConfigText } from '@infra/talos-factory';
import { parse, stringify } from 'yaml';
import type { ValidationContext } from './context';
import { runTool } from './exec';
import { isYamlFile, listFiles } from './files';
import type { Finding } from './finding';
import { toRepoPath } from './paths';

/**
 * The control plane's `cluster.inlineManifests`, which Talos applies at bootstrap without checking them:
 * - the generated set (every `delivery: cluster-critical` component under kubernetes/, rendered as the cluster
 *   stage sends it) must render and fit the machine-config schema of the pinned Talos version;
 * - an `inlineManifests` entry written into a patch by hand must parse and be exactly one of that validated set.
 */
export async function talosInlineManifests(
  ctx: ValidationContext,
  options: { environment?: string } = {},
): Promise<Finding[]> {
  const environment = options.environment ?? 'local';
  try {
    const { talosVersion } = await clusterVersions(ctx.repoRoot, environment);
    const rendered = await renderClusterCriticalComponents({
      repoRoot: ctx.repoRoot,
      environment,
      env: ctx.env,
      run: (tool, args) => runTool(tool, args, { cwd: ctx.repoRoot, env: ctx.env }),
    });
    const findings: Finding[] = rendered.flatMap(({ problems }) =>
      problems.map((problem) => ({
        file: problem.file,
        ...(problem.line !== undefined ? { line: problem.line } : {}),
        rule: 'inline-manifest',
        severity: 'error' as const,
        message: `${problem.message} (a cluster-critical component: it would go into cluster.inlineManifests)`,
        tool: 'infra',
      })),
    );
    const validated = rendered.map(inlineManifestOf);
    const patch = stringify({ cluster: { inlineManifests: validated } });
    for (const issue of validateMachineConfigText(patch, talosVersion, 'cluster.inlineManifests')) {
      findings.push({
        file: rendered[0]?.component.dir ?? 'kubernetes',
        rule: issue.rule,
        severity: 'error',
        message: `generated ${issue.path}: ${issue.message} (Talos ${talosVersion} machine-config schema)`,
        tool: 'talos-schema',
      });
    }
    findings.push(...(await _handWritten(ctx, validated)));
    return findings;
  } catch (error) {
    if (!isInfraError(error) || isInfraError<CoreErrorCode>(error, 'TOOL_MISSING', 'TOOL_TIMEOUT'))
      throw error;
    const file = /^([\w./-]+\.(ya?ml|toml)):/.exec(error.message)?.[1] ?? 'infra.config.yaml';
    return [
      {
        file,
        rule: error.code,
        severity: 'error',
        message: `${error.message}${error.hint ? ` (${error.hint})` : ''}`,
        tool: 'infra',
      },
    ];
  }
}

async function _handWritten(
  ctx: ValidationContext,
  validated: readonly InlineManifest[],
): Promise<Finding[]> {
  const findings: Finding[] = [];
  const files = (await listFiles(join(ctx.projectRoot, 'patches'))).filter(isYamlFile);
  for (const path of files) {
    let value: unknown;
    try {
      value = parse(await readFile(path, 'utf8'));
    } catch {
      continue; // the schema step reports YAML errors
    }
    const entries = (value as { cluster?: { inlineManifests?: unknown } } | null)?.cluster?.inlineManifests;
    if (!Array.isArray(entries)) continue;
    const typed = entries.map((entry) => ({
      name: String((entry as { name?: unknown })?.name ?? ''),
      contents: String((entry as { contents?: unknown })?.contents ?? ''),
    }));
    for (const problem of checkInlineManifests(typed, validated)) {
      findings.push({
        file: toRepoPath(ctx.repoRoot, path),
        rule: 'inline-manifest',
        severity: 'error',
        message: `${problem.field}: ${problem.message}`,
        tool: 'infra',
      });
    }
  }
  return findings;
}
