import { stat } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { type CoreErrorCode, InfraError, isInfraError } from '@infra/core';
import { ansibleLint, ansibleRoleSyntaxCheck, ansibleSyntaxCheck, findPlaybooks } from './ansible';
import { checkov } from './checkov';
import { cloudInitSchema } from './cloud-init';
import { createContext, type ValidationContext } from './context';
import type { ValidatorsErrorCode } from './error-codes';
import type { ToolEnv } from './exec';
import { listFiles } from './files';
import { dedupeFindings, type Finding, hasErrors, sortFindings } from './finding';
import { validateImageManifest } from './image-manifest';
import {
  kubeconform,
  kubernetesAppSecrets,
  kubernetesCheckov,
  kubernetesGpuRules,
  kubernetesProjectLoader,
  kubernetesRender,
} from './kubernetes';
import { packerFmt, packerInitAndValidate } from './packer';
import { toRepoPath } from './paths';
import { secretsCheck } from './secrets';
import { talosPatches } from './talos';
import { talosInlineManifests } from './talos-inline';
import { terraformDocsCheck } from './terraform-docs';
import { tofuFmt, tofuValidateAndLint } from './tofu';
import { toolchainEnvironment } from './tool-env';
import { yamllint } from './yamllint';

/** The kinds `scripts/validate.ts <kind> <projectRoot>` accepts; the Nx plugin maps each project type to one. */
export const VALIDATION_KINDS = [
  'packer',
  'terraform',
  'ansible-role',
  'ansible-playbooks',
  'talos',
  'secrets',
  'kubernetes',
] as const;
export type ValidationKind = (typeof VALIDATION_KINDS)[number];

export interface ValidateOptions {
  /** Default: the current directory. */
  repoRoot?: string;
  /** Tool environment; default: toolchainEnv() of @infra/toolchain over process.env. */
  env?: ToolEnv;
  /** infra.config.yaml environment whose values Packer and the Talos check use. Default "local". */
  environment?: string;
  /** Rewrite generated sections (terraform-docs README) instead of reporting them stale. */
  fix?: boolean;
}

export interface StepResult {
  step: string;
  durationMs: number;
  findings: number;
}

export interface ValidationReport {
  kind: ValidationKind;
  project: string;
  ok: boolean;
  findings: Finding[];
  steps: StepResult[];
}

interface Step {
  name: string;
  run(ctx: ValidationContext): Promise<Finding[]>;
}

const step = (name: string, run: Step['run']): Step => ({ name, run });

async function stepsFor(
  kind: ValidationKind,
  ctx: ValidationContext,
  options: ValidateOptions,
): Promise<Step[]> {
  const environment = { environment: options.environment ?? 'local' };
  switch (kind) {
    case 'packer': {
      const templates = (await listFiles(ctx.projectRoot)).some((path) => path.endsWith('.pkr.hcl'));
      const packer = templates
        ? [
            step('packer fmt', packerFmt),
            step('packer init+validate', (c) => packerInitAndValidate(c, environment)),
            step('cloud-init schema', cloudInitSchema),
          ]
        : [step('image.yaml', validateImageManifest)];
      return [...packer, step('yamllint', yamllint)];
    }
    case 'terraform':
      return [
        step('tofu fmt', tofuFmt),
        step('tofu init+validate, tflint', tofuValidateAndLint),
        ...(/(^|\/)modules\//.test(toRepoPath(ctx.repoRoot, ctx.projectRoot))
          ? [step('terraform-docs', (c) => terraformDocsCheck(c, { fix: options.fix ?? false }))]
          : []),
        step('checkov', (c) => checkov(c, ['terraform'])),
      ];
    case 'ansible-role':
      return [
        step('ansible-playbook --syntax-check', ansibleRoleSyntaxCheck),
        step('ansible-lint', (c) => ansibleLint(c, [c.projectRoot])),
        step('yamllint', yamllint),
        step('checkov', (c) => checkov(c, ['ansible'])),
      ];
    case 'ansible-playbooks': {
      const playbooks = await findPlaybooks(ctx.projectRoot);
      const none: Step = step('playbooks', async (c) => [
        {
          file: toRepoPath(c.repoRoot, c.projectRoot),
          rule: 'no-playbooks',
          severity: 'warning',
          message: 'no playbooks found (YAML files whose top level is a list of plays)',
          tool: 'infra',
        },
      ]);
      return [
        ...(playbooks.length === 0
          ? [none]
          : [
              step('ansible-playbook --syntax-check', (c) => ansibleSyntaxCheck(c, playbooks)),
              step('ansible-lint', (c) => ansibleLint(c, playbooks)),
            ]),
        step('yamllint', yamllint),
        step('checkov', (c) => checkov(c, ['ansible'])),
      ];
    }
    case 'talos':
      return [
        step('talos patches', (c) => talosPatches(c, environment)),
        step('inline manifests (helm)', (c) => talosInlineManifests(c, environment)),
        step('yamllint', yamllint),
      ];
    case 'secrets':
      return [step('sops check', secretsCheck)];
    case 'kubernetes': {
      // Rendered once (Helm included) and shared by the steps.
      const load = kubernetesProjectLoader(ctx, environment);
      return [
        step('render (helm)', (c) => kubernetesRender(c, load)),
        step('kubeconform', (c) => kubeconform(c, load)),
        step('gpu rules', (c) => kubernetesGpuRules(c, load)),
        step('app secrets (sops)', (c) => kubernetesAppSecrets(c, load)),
        step('checkov', (c) => kubernetesCheckov(c, load)),
        step('yamllint', yamllint),
      ];
    }
  }
}

const STEP_CONCURRENCY = 2;

/** One step; a missing tool or a timeout becomes a finding for that step, anything else propagates. */
async function runStep(
  name: string,
  run: Step['run'],
  ctx: ValidationContext,
  project: string,
): Promise<Finding[]> {
  try {
    return await run(ctx);
  } catch (error) {
    if (!isInfraError<CoreErrorCode>(error, 'TOOL_MISSING', 'TOOL_TIMEOUT')) throw error;
    return [
      {
        file: project,
        rule: error.code,
        severity: 'error',
        message: `${error.message} (needed for ${name})${error.hint ? `; ${error.hint}` : ''}`,
        tool: String(error.details?.tool ?? name),
      },
    ];
  }
}

/**
 * Runs every validator of one project and collects their findings. A missing tool is a TOOL_MISSING finding
 * for that step (the other steps still run), so one report shows everything that needs fixing.
 */
export async function validateProject(
  kind: ValidationKind,
  projectRoot: string,
  options: ValidateOptions = {},
): Promise<ValidationReport> {
  const ctx = createContext({
    repoRoot: options.repoRoot ?? process.cwd(),
    projectRoot,
    env: options.env ?? toolchainEnvironment(),
  });
  const project = toRepoPath(ctx.repoRoot, ctx.projectRoot);
  const isDir = await stat(ctx.projectRoot).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) {
    throw new InfraError<ValidatorsErrorCode>('PROJECT_NOT_FOUND', `${project} is not a directory`, {
      hint: 'pass the project root relative to the workspace root, e.g. packer/debian or terraform/modules/proxmox-vm',
    });
  }
  const results: { findings: Finding[]; step: StepResult }[] = [];
  try {
    const steps = await stepsFor(kind, ctx, options);
    // Steps are independent (each works in its own scratch dir), so two run at once: the slow Python tools
    // (ansible-lint, checkov) mostly wait on imports, and a project's validate finishes sooner. Results keep
    // step order.
    let next = 0;
    const worker = async () => {
      while (next < steps.length) {
        const index = next++;
        const { name, run } = steps[index]!;
        const started = performance.now();
        const found = await runStep(name, run, ctx, project);
        results[index] = {
          findings: found,
          step: { step: name, durationMs: Math.round(performance.now() - started), findings: found.length },
        };
      }
    };
    await Promise.all(Array.from({ length: Math.min(STEP_CONCURRENCY, steps.length) }, worker));
  } finally {
    await ctx.dispose();
  }
  const findings = results.flatMap((r) => r.findings);
  const steps = results.map((r) => r.step);
  const sorted = sortFindings(dedupeFindings(findings));
  return { kind, project, ok: !hasErrors(sorted), findings: sorted, steps };
}
