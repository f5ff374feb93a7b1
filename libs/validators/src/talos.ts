import { join } from 'node:path';
import { loadEnvironment } from '@infra/config';
import { validatePatchFile } from '@infra/talos-factory';
import type { ValidationContext } from './context';
import { isYamlFile, listFiles } from './files';
import { configErrorFinding, type Finding } from './finding';
import { toRepoPath } from './paths';

/**
 * Every Talos machine-config patch (`talos/patches/**.yaml`) against the machine-config JSON schema of the
 * Talos version infra.config.yaml pins, with Talos' own string coercion (`@infra/talos-factory`).
 */
export async function talosPatches(
  ctx: ValidationContext,
  options: { environment?: string } = {},
): Promise<Finding[]> {
  const files = (await listFiles(join(ctx.projectRoot, 'patches'))).filter(isYamlFile);
  if (files.length === 0) return [];
  let version: string;
  try {
    version = (await loadEnvironment(options.environment ?? 'local', { cwd: ctx.repoRoot })).talos.version;
  } catch (error) {
    return [configErrorFinding(error)];
  }
  const findings: Finding[] = [];
  for (const path of files) {
    for (const issue of await validatePatchFile(path, version)) {
      findings.push({
        file: toRepoPath(ctx.repoRoot, path),
        ...(issue.line ? { line: issue.line } : {}),
        rule: issue.rule,
        severity: 'error',
        message: `${issue.path}: ${issue.message} (Talos ${version} machine-config schema)`,
        tool: 'talos-schema',
      });
    }
  }
  return findings;
}
