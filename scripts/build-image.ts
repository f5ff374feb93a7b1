#!/usr/bin/env tsx
/**
 * Builds a golden VM template (what `nx run <os>:build-image [-c <env>]` runs). `talos` builds the Talos
 * template from the Image Factory; an OS under `images:` in infra.config.yaml (debian) builds a base template
 * from its official cloud image, then runs `packer build packer/<os>/` where the host and the toolchain can
 * (`--base-only` stops after the base template).
 * Idempotent: a template whose fingerprint matches the configuration is left alone (read-only calls only).
 * `--dry-run` prints the Proxmox API calls a build would make. With `endpoint: embedded` / `factory: embedded`
 * (the `local` environment) both simulators run in this process, with state in .infra/sim/.
 */
import { defineCommand, InfraError, jsonOption, log, option, printResult, runScript } from '@infra/core';
import type { StepEvent } from '@infra/template-builder';
import { z } from 'zod';
import type { ScriptsErrorCode } from './support/error-codes';

const onEvent = (event: StepEvent) => {
  if (event.type === 'start') log.step(`[${event.index + 1}/${event.total}] ${event.step.title}`);
  else if (event.type === 'done') log.success(`${event.step.title} (${(event.ms / 1000).toFixed(1)} s)`);
  else if (event.type === 'progress') log.debug(event.message);
  else log.warn(event.message);
};

export const command = defineCommand({
  description: 'build a golden VM template (talos, or an OS under images: in infra.config.yaml)',
  options: {
    os: option.value(
      'the OS to build: talos, or one under images: in infra.config.yaml',
      z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected an OS name like "talos" or "debian"'),
    ),
    env: option.string('environment', { short: 'e', default: 'local' }),
    'dry-run': option.flag('print the Proxmox API calls a build would make, change nothing'),
    'base-only': option.flag('stop after the base template (no packer build)'),
    json: jsonOption,
  },
  examples: ['build-image.ts --os talos -e local', 'build-image.ts --os debian --dry-run'],
  // Ctrl-C / SIGTERM abort `signal`: the build stops its running task and cleans up like a failure.
  run: async ({ args, signal }) => {
    const { loadEnvironment } = await import('@infra/config');
    const builder = await import('@infra/template-builder');
    const environment = await loadEnvironment(args.env);
    const buildable = ['talos', ...Object.keys(environment.images)];
    if (!buildable.includes(args.os)) {
      throw new InfraError<ScriptsErrorCode>(
        'BUILD_OS_UNSUPPORTED',
        `environment "${environment.name}" cannot build "${args.os}": buildable OSes are ${buildable.join(', ')}`,
        {
          hint: `pick one of ${buildable.join(', ')}, or add images.${args.os} (version, source.url, source.checksum) to infra.config.yaml`,
        },
      );
    }
    const mode = args['dry-run'] ? ' (dry run)' : args['base-only'] ? ' (base template only)' : '';
    log.step(`${args.os}:build-image for environment "${environment.name}"${mode}`);
    const result = await builder.buildImage(environment, args.os, {
      dryRun: args['dry-run'],
      baseOnly: args['base-only'],
      logger: log,
      onEvent,
      signal,
    });
    for (const warning of result.warnings) log.warn(warning);
    if (!args.json && result.status !== 'dry-run')
      log.success(
        `${result.media ? 'install media' : 'template'} ${result.status === 'built' ? (result.media ? 'ready' : 'built') : 'up to date'}`,
      );
    printResult(result, args.json, () => builder.formatBuildResult(result));
  },
});

await runScript(import.meta.url, command);
