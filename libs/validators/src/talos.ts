import { join } from 'node:path';
import { isInfraError } from '@infra/cli';
import { loadEnvironment } from '@infra/config';
import type { ValidationContext } from './context';
import { isYamlFile, listFiles } from './files';
import type { Finding } from './finding';
import { toRepoPath } from './paths';

/** What `validatePatchFile` may report per problem; only `message` is required. */
interface PatchIssue {
  message: string;
  line?: number;
  column?: number;
  path?: string;
  rule?: string;
  severity?: string;
}

type ValidatePatchFile = (path: string, version: string) => unknown;

/**
 * Loads `validatePatchFile(path, talosVersion)` from `@infra/talos-factory` (the Talos machine-config JSON
 * schema of the pinned version, with Talos' string coercion). Looked up at run time so this library does not
 * pin that module's exact result type: an array of issues, `{ issues | errors | findings: [...] }`, or
 * `{ valid: true }` are all understood, and a thrown InfraError is one finding.
 */
async function loadPatchValidator(): Promise<ValidatePatchFile | undefined> {
  const factory = (await import('@infra/talos-factory')) as Record<string, unknown>;
  const fn = factory.validatePatchFile;
  return typeof fn === 'function' ? (fn as ValidatePatchFile) : undefined;
}

function issuesOf(result: unknown): PatchIssue[] {
  const list = Array.isArray(result)
    ? result
    : typeof result === 'object' && result !== null
      ? ((result as Record<string, unknown>).issues ??
        (result as Record<string, unknown>).errors ??
        (result as Record<string, unknown>).findings ??
        [])
      : [];
  if (!Array.isArray(list)) return [];
  return list.map((item) =>
    typeof item === 'string'
      ? { message: item }
      : typeof item === 'object' && item !== null && 'message' in item
        ? (item as PatchIssue)
        : { message: JSON.stringify(item) },
  );
}

/** Every Talos machine-config patch (talos/patches/**.yaml) against the schema of the configured Talos version. */
export async function talosPatches(
  ctx: ValidationContext,
  options: { environment?: string } = {},
): Promise<Finding[]> {
  const patchDir = join(ctx.projectRoot, 'patches');
  const files = (await listFiles(patchDir)).filter(isYamlFile);
  if (files.length === 0) return [];
  let version: string;
  try {
    version = (await loadEnvironment(options.environment ?? 'local', { cwd: ctx.repoRoot })).talos.version;
  } catch (error) {
    if (!isInfraError(error)) throw error;
    return [
      {
        file: 'infra.config.yaml',
        rule: error.code,
        severity: 'error',
        message: error.message,
        tool: 'infra',
      },
    ];
  }
  const validatePatchFile = await loadPatchValidator();
  if (!validatePatchFile) {
    return [
      {
        file: toRepoPath(ctx.repoRoot, patchDir),
        rule: 'NOT_WIRED',
        severity: 'error',
        message:
          '@infra/talos-factory does not export validatePatchFile(path, version) yet, so Talos patches cannot be checked',
        tool: 'talos-schema',
      },
    ];
  }
  const findings: Finding[] = [];
  for (const path of files) {
    const file = toRepoPath(ctx.repoRoot, path);
    try {
      for (const issue of issuesOf(await validatePatchFile(path, version))) {
        findings.push({
          file,
          ...(issue.line ? { line: issue.line } : {}),
          ...(issue.line && issue.column ? { column: issue.column } : {}),
          rule: issue.rule ?? 'schema',
          severity: issue.severity === 'warning' ? 'warning' : 'error',
          message: issue.path ? `${issue.path}: ${issue.message}` : issue.message,
          tool: 'talos-schema',
        });
      }
    } catch (error) {
      if (!isInfraError(error)) throw error;
      findings.push({
        file,
        rule: error.code,
        severity: 'error',
        message: error.message,
        tool: 'talos-schema',
      });
    }
  }
  return findings;
}
