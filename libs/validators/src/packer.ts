import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { loadEnvironment } from '@infra/config';
import type { ValidationContext } from './context';
import { runTool } from './exec';
import { configErrorFinding, type Finding } from './finding';
import { parseFmtDiff } from './fmt-diff';
import { diagnosticMessage, parseHclDiagnostics } from './hcl-diagnostics';
import { packerVariables, toPackerEnv } from './packer-vars';
import { toRepoPath } from './paths';
import { generateEphemeralSshKey } from './ssh-key';

/** `packer fmt -check -diff -recursive .` (read-only). */
export async function packerFmt(ctx: ValidationContext): Promise<Finding[]> {
  const run = await runTool('packer', ['fmt', '-check', '-diff', '-recursive', '.'], {
    cwd: ctx.projectRoot,
    env: ctx.env,
  });
  if (run.exitCode === 0) return [];
  const unformatted = parseFmtDiff(run.stdout);
  if (unformatted.length === 0) return fromDiagnostics(ctx, run.stdout + run.stderr, 'fmt');
  return unformatted.map((entry) => ({
    file: toRepoPath(ctx.repoRoot, join(ctx.projectRoot, entry.file)),
    ...(entry.line ? { line: entry.line } : {}),
    rule: 'fmt',
    severity: 'error' as const,
    message: `not in canonical format${entry.excerpt ? ` (first difference: "${entry.excerpt}")` : ''}; run \`packer fmt -recursive ${toRepoPath(ctx.repoRoot, ctx.projectRoot)}\``,
    tool: 'packer',
  }));
}

/**
 * `packer init` (offline: the toolchain preinstalled the pinned plugins, so init finds them and stops) and
 * `packer validate` with the variables `infra.config.yaml` would inject for this image: the plugins decode
 * and Prepare() every source block, so an unknown or invalid field is an error at its line. The token is a
 * placeholder (validate never connects); the build user's key is a throw-away key in a private temp dir.
 */
export async function packerInitAndValidate(
  ctx: ValidationContext,
  options: { environment?: string } = {},
): Promise<Finding[]> {
  const os = basename(ctx.projectRoot);
  let variables: Record<string, string>;
  const scratch = await ctx.scratch('packer');
  const key = generateEphemeralSshKey('infra-validate');
  const keyFile = join(scratch, 'build_ed25519');
  await writeFile(keyFile, key.privateKeyPem, { mode: 0o600 });
  try {
    const env = await loadEnvironment(options.environment ?? 'local', { cwd: ctx.repoRoot });
    variables = packerVariables(env, os, { sshPrivateKeyFile: keyFile, sshPublicKey: key.publicKey });
  } catch (error) {
    return [configErrorFinding(error, { withHint: true })];
  }
  const env = {
    ...ctx.env,
    ...toPackerEnv(variables),
    PKR_VAR_proxmox_token: 'validate-only-placeholder',
    CHECKPOINT_DISABLE: '1',
  };

  const init = await runTool('packer', ['init', '.'], { cwd: ctx.projectRoot, env });
  if (init.exitCode !== 0) {
    const output = `${init.stdout}\n${init.stderr}`;
    const plugin = /Failed getting the "([^"]+)" plugin/.exec(output)?.[1];
    if (!plugin) return fromDiagnostics(ctx, output, 'init');
    return [pluginMissing(ctx, plugin)];
  }

  const validate = await runTool('packer', ['validate', '.'], { cwd: ctx.projectRoot, env });
  const findings = fromDiagnostics(ctx, `${validate.stdout}\n${validate.stderr}`, 'validate');
  if (validate.exitCode === 0 || findings.some((f) => f.severity === 'error')) return findings;
  return [...findings, validateFailed(ctx, validate.stderr || validate.stdout)];
}

/**
 * The pinned plugin is not in PACKER_PLUGIN_PATH and `packer init` could not download it: nothing about the
 * plugin's source blocks can be checked, so it is an error (CI runs ./infra setup first, which builds it).
 */
function pluginMissing(ctx: ValidationContext, plugin: string): Finding {
  return {
    file: toRepoPath(ctx.repoRoot, ctx.projectRoot),
    rule: 'TOOL_MISSING',
    severity: 'error',
    message: `Packer plugin ${plugin} at the pinned version is not installed and packer init cannot download it; run ./infra setup (it builds the pinned plugins from the source archives into PACKER_PLUGIN_PATH)`,
    tool: 'packer',
  };
}

function validateFailed(ctx: ValidationContext, output: string): Finding {
  return {
    file: toRepoPath(ctx.repoRoot, ctx.projectRoot),
    rule: 'validate',
    severity: 'error',
    message: `packer validate failed: ${output.trim().slice(0, 500)}`,
    tool: 'packer',
  };
}

function fromDiagnostics(ctx: ValidationContext, output: string, rule: string): Finding[] {
  return parseHclDiagnostics(output).map((diagnostic) => ({
    file: diagnostic.file
      ? toRepoPath(ctx.repoRoot, join(ctx.projectRoot, diagnostic.file))
      : toRepoPath(ctx.repoRoot, ctx.projectRoot),
    ...(diagnostic.line ? { line: diagnostic.line } : {}),
    rule: /Missing plugins/i.test(diagnostic.summary) ? 'TOOL_MISSING' : rule,
    severity: diagnostic.severity,
    message: /Missing plugins/i.test(diagnostic.summary)
      ? `${diagnosticMessage(diagnostic)}; run ./infra setup (it installs the pinned plugin offline)`
      : diagnosticMessage(diagnostic),
    tool: 'packer',
  }));
}
