import { cp, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { loadEnvironment } from '@infra/config';
import type { ValidationContext } from './context';
import { runTool, type ToolEnv } from './exec';
import { listFiles } from './files';
import { configErrorFinding, type Finding } from './finding';
import { parseFmtDiff } from './fmt-diff';
import { diagnosticMessage, parseHclDiagnostics } from './hcl-diagnostics';
import { stubPluginSources } from './packer-stub';
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
 * `packer init` (offline: the toolchain preinstalled the pinned plugin, so init finds it and stops) and
 * `packer validate` with the variables `infra.config.yaml` would inject for this image. The token is a
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
    return pluginMissing(ctx, env, plugin);
  }

  const validate = await runTool('packer', ['validate', '.'], { cwd: ctx.projectRoot, env });
  const findings = fromDiagnostics(ctx, `${validate.stdout}\n${validate.stderr}`, 'validate');
  if (validate.exitCode === 0 || findings.some((f) => f.severity === 'error')) return findings;
  return [...findings, validateFailed(ctx, validate.stderr || validate.stdout)];
}

/**
 * The pinned plugin is not installed and `packer init` cannot fetch it (these machines reach no GitHub; the
 * Go module proxy serves no copy of packer-plugin-proxmox). With INFRA_REQUIRE_PACKER_PLUGINS=1 that is a
 * TOOL_MISSING error. Otherwise it is a warning that says exactly what went unchecked, and the real Packer
 * still validates everything else on a copy whose plugin sources are stubbed (see packer-stub.ts).
 */
async function pluginMissing(ctx: ValidationContext, env: ToolEnv, plugin: string): Promise<Finding[]> {
  const project = toRepoPath(ctx.repoRoot, ctx.projectRoot);
  const install = `install it with \`packer plugins install --path <packer-plugin-binary> ${plugin}\` into PACKER_PLUGIN_PATH (./infra setup does this where the plugin can be built)`;
  if (env.INFRA_REQUIRE_PACKER_PLUGINS === '1') {
    return [
      {
        file: project,
        rule: 'TOOL_MISSING',
        severity: 'error',
        message: `Packer plugin ${plugin} at the pinned version is not installed and packer init cannot download it; ${install}`,
        tool: 'packer',
      },
    ];
  }
  const scratch = await ctx.scratch('packer-stub');
  const copy = join(scratch, basename(ctx.projectRoot));
  await cp(ctx.projectRoot, copy, { recursive: true });
  const stubbed: string[] = [];
  for (const file of (await listFiles(copy)).filter((path) => path.endsWith('.pkr.hcl'))) {
    const result = stubPluginSources(await readFile(file, 'utf8'), plugin);
    stubbed.push(...result.stubbed);
    await writeFile(file, result.text);
  }
  const warning: Finding = {
    file: project,
    rule: 'PLUGIN_MISSING',
    severity: 'warning',
    message: `Packer plugin ${plugin} is not installed, so the settings of ${stubbed.join(', ') || 'its sources'} were not checked (everything else was, by packer validate); ${install}`,
    tool: 'packer',
  };
  const validate = await runTool('packer', ['validate', '.'], { cwd: copy, env });
  const findings = fromDiagnostics(ctx, `${validate.stdout}\n${validate.stderr}`, 'validate');
  if (validate.exitCode !== 0 && !findings.some((f) => f.severity === 'error')) {
    findings.push(validateFailed(ctx, validate.stderr || validate.stdout));
  }
  return [warning, ...findings];
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
