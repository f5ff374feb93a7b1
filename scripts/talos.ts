#!/usr/bin/env tsx
/**
 * Talos Image Factory helpers.
 *
 *   pnpm tsx scripts/talos.ts schematic-id <file> [--sort] [--json]   offline schematic ID (no network)
 *   pnpm tsx scripts/talos.ts urls [-e <env>] [--sort] [--json]       image/installer URLs for the environment
 *   pnpm tsx scripts/talos.ts prune [-e <env>] [--keep N] [--apply] [--json]
 *                                                                     remove old Talos templates (dry run by default)
 *
 * `--sort` sorts official extensions the way the factory's web UI does (the API and Terraform do not).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { InfraError, log, printResult, runMain } from '@infra/core';
import { z } from 'zod';

const USAGE =
  'usage: talos.ts schematic-id <file> [--sort] [--json] | urls [-e <env>] [--sort] [--json] | prune [-e <env>] [--keep N] [--apply] [--json]';

const argsSchema = z.object({
  command: z.enum(['schematic-id', 'urls', 'prune'], { error: USAGE }),
  file: z.string().optional(),
  env: z.string().default('local'),
  sort: z.boolean().default(false),
  json: z.boolean().default(false),
  keep: z.coerce.number().int().min(0, { error: '--keep must be 0 or more' }).default(1),
  apply: z.boolean().default(false),
});
type Args = z.infer<typeof argsSchema>;

async function schematicId(args: Args): Promise<void> {
  if (!args.file)
    throw new InfraError('USAGE', USAGE, { hint: 'e.g. talos.ts schematic-id talos/schematic.yaml' });
  const { loadSchematicFile } = await import('@infra/talos-factory');
  const file = resolve(args.file);
  const resolved = await loadSchematicFile(file, { sortExtensions: args.sort });
  for (const warning of resolved.warnings) log.warn(warning);
  printResult(
    { file, id: resolved.id, sorted: args.sort, canonical: resolved.canonical, warnings: resolved.warnings },
    args.json,
    () => resolved.id,
  );
}

async function urls(args: Args): Promise<void> {
  const { loadEnvironment } = await import('@infra/config');
  const { environmentImageUrls } = await import('@infra/talos-factory');
  const environment = await loadEnvironment(args.env);
  const result = await environmentImageUrls(environment, { sortExtensions: args.sort });
  for (const warning of result.schematic.warnings) log.warn(warning);
  const value = {
    environment: environment.name,
    schematicId: result.schematic.id,
    talosVersion: result.talosVersion,
    platform: result.platform,
    arch: result.arch,
    factory: result.embedded ? 'embedded' : result.factoryUrl,
    urls: result.urls,
    proxmoxImportImage: result.proxmoxImportImage,
  };
  printResult(value, args.json, () => {
    const width = Math.max(...Object.keys(result.urls).map((k) => k.length));
    const lines = [
      `schematic ${result.schematic.id} · Talos ${result.talosVersion} · ${result.platform}-${result.arch}`,
      ...Object.entries(result.urls).map(([k, v]) => `${k.padEnd(width)}  ${v || '-'}`),
      `${'proxmox'.padEnd(width)}  ${result.proxmoxImportImage}   (uncompressed qcow2 for download-url content=import)`,
    ];
    if (result.embedded) {
      lines.push(
        `(factory: embedded — ${result.factoryUrl} stands for the in-process simulator, whose port is chosen at start)`,
      );
    }
    return lines.join('\n');
  });
}

async function prune(args: Args): Promise<void> {
  const { loadEnvironment } = await import('@infra/config');
  const { pruneTalosTemplates, formatPruneReport } = await import('@infra/template-builder');
  const environment = await loadEnvironment(args.env);
  const report = await pruneTalosTemplates(environment, { keep: args.keep, apply: args.apply, log });
  printResult(report, args.json, () => formatPruneReport(report));
}

await runMain(async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      env: { type: 'string', short: 'e' },
      sort: { type: 'boolean' },
      json: { type: 'boolean' },
      keep: { type: 'string' },
      apply: { type: 'boolean' },
    },
  });
  const parsed = argsSchema.safeParse({ command: positionals[0], file: positionals[1], ...values });
  if (!parsed.success) {
    throw new InfraError('USAGE', parsed.error.issues.map((i) => i.message).join('; '), { hint: USAGE });
  }
  const args = parsed.data;
  if (args.command === 'schematic-id') return schematicId(args);
  if (args.command === 'urls') return urls(args);
  return prune(args);
});
