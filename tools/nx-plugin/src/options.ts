import { InfraError } from '@infra/core';
import { z } from 'zod';
import type { NxPluginErrorCode } from './error-codes';

/**
 * Plugin options (nx.json `plugins[].options`). The defaults are this repo's scripts; tests and the
 * benchmark's fixture mode swap the commands for trivial ones.
 */
export const pluginOptionsSchema = z
  .object({
    /** Command prefix of every `validate` target; `<kind> <projectRoot>` is appended. */
    validateCommand: z.string().min(1).default('tsx scripts/validate.ts'),
    /** Command prefix of `build-image`; `--os <os>` and, per configuration, `-e <env>` are appended. */
    buildImageCommand: z.string().min(1).default('tsx scripts/build-image.ts'),
    /** Command prefix of the tf-env plan/apply/destroy targets; `<action> -e <env>` is appended. */
    deployCommand: z.string().min(1).default('tsx scripts/deploy.ts'),
    /** The validator entry script whose code (and the libs it imports) every validate target hashes. */
    validatorEntry: z.string().min(1).default('scripts/validate.ts'),
    /** The image builder entry script; build-image hashes its code too (NX_TASK_HASH keys idempotent builds). */
    buildImageEntry: z.string().min(1).default('scripts/build-image.ts'),
    /** Command prefix of a role's `molecule` target; `<roleRoot>` is appended. */
    moleculeCommand: z.string().min(1).default('tsx scripts/molecule.ts'),
    /** The Molecule runner entry script; every molecule target hashes its code (and the libs it imports). */
    moleculeEntry: z.string().min(1).default('scripts/molecule.ts'),
    /** Workspace-relative path of the environment config (its `environments:` become configurations). */
    configFile: z.string().min(1).default('infra.config.yaml'),
  })
  .strict();

export type PluginOptions = z.infer<typeof pluginOptionsSchema>;

export function parsePluginOptions(raw: unknown): PluginOptions {
  const result = pluginOptionsSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `${issue.path.join('.') || '(options)'}: ${issue.message}`,
  );
  const allowed = Object.keys(pluginOptionsSchema.shape).join(', ');
  throw new InfraError<NxPluginErrorCode>(
    'NX_PLUGIN_OPTIONS_INVALID',
    `nx.json: invalid @infra/nx-plugin options: ${problems.join('; ')}`,
    {
      hint: `fix plugins[].options in nx.json; allowed keys: ${allowed}`,
    },
  );
}
