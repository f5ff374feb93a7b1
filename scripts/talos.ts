#!/usr/bin/env tsx
/**
 * Talos Image Factory helpers. `--sort` sorts official extensions the way the factory's web UI does (the API
 * and Terraform do not).
 */
import { resolve } from 'node:path';
import {
  defineCommand,
  defineGroup,
  jsonOption,
  option,
  positional,
  printResult,
  runScript,
} from '@infra/core';

const sort = option.flag('sort official extensions like the factory web UI (the API and Terraform do not)');
const env = option.string('environment', { short: 'e', default: 'local' });

const schematicId = defineCommand({
  description: 'offline schematic ID of a schematic file (no network)',
  positionals: { file: positional.required('file', 'a schematic YAML, e.g. talos/schematic.yaml') },
  options: { sort, json: jsonOption },
  run: async ({ args, log }) => {
    const { loadSchematicFile } = await import('@infra/talos-factory');
    const file = resolve(args.file);
    const resolved = await loadSchematicFile(file, { sortExtensions: args.sort });
    for (const warning of resolved.warnings) log.warn(warning);
    printResult(
      {
        file,
        id: resolved.id,
        sorted: args.sort,
        canonical: resolved.canonical,
        warnings: resolved.warnings,
      },
      args.json,
      () => resolved.id,
    );
  },
});

const urls = defineCommand({
  description: 'image and installer URLs for the environment',
  options: { env, sort, json: jsonOption },
  run: async ({ args, log }) => {
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
  },
});

const prune = defineCommand({
  description: 'remove old Talos templates (a dry run unless --apply)',
  options: {
    env,
    keep: option.integer('templates to keep, newest first', { default: 1, min: 0 }),
    apply: option.flag('really remove them'),
    json: jsonOption,
  },
  run: async ({ args, log }) => {
    const { loadEnvironment } = await import('@infra/config');
    const { pruneTalosTemplates, formatPruneReport } = await import('@infra/template-builder');
    const environment = await loadEnvironment(args.env);
    const report = await pruneTalosTemplates(environment, { keep: args.keep, apply: args.apply, log });
    printResult(report, args.json, () => formatPruneReport(report));
  },
});

export const command = defineGroup({
  description: 'Talos Image Factory helpers: schematic IDs, image URLs, template pruning',
  subcommands: { 'schematic-id': schematicId, urls, prune },
});

await runScript(import.meta.url, command);
