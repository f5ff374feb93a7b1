#!/usr/bin/env tsx
/**
 * NVIDIA GPU passthrough setup of the Proxmox host: detect → plan → diff → apply with backups → verify.
 *
 *   pnpm tsx scripts/gpu-host.ts collect --out <dir>   facts bundle (layout: libs/gpu-host-setup/README.md)
 *   pnpm tsx scripts/gpu-host.ts plan [--facts <dir>]  what would change, as diffs (--json for the plan)
 *   pnpm tsx scripts/gpu-host.ts apply [--yes]         back up, write, refresh initramfs/bootloader; never reboots
 *   pnpm tsx scripts/gpu-host.ts verify                after the reboot: IOMMU, isolation, cmdline, vfio-pci, drift
 *   pnpm tsx scripts/gpu-host.ts rollback [--force]    restore the latest backup set
 *   pnpm tsx scripts/gpu-host.ts map                   create/update the Proxmox PCI mapping (gpu.mapping)
 *
 * Host: --host user@host[:port] (ssh; --identity, --known-hosts), --local (on the Proxmox host itself), or the
 * config's gpu.host.ssh. --root <dir> prefixes every host path (tests, dry runs on a copy). Options come from the
 * gpu section of infra.config.yaml (-e <env>, default local); --select, --iommu-pt/--no-iommu-pt, --disable-vga
 * override it.
 */
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { InfraError, isInfraError, log, printResult, runMain } from '@infra/core';
import { type Environment, loadEnvironment } from '@infra/config';
import {
  applyPlan,
  collectFacts,
  DEFAULT_BACKUP_ROOT,
  formatPlan,
  formatVerify,
  type Host,
  LocalHost,
  lastApplied,
  planHost,
  type RawFacts,
  readFactsBundle,
  resolveSettings,
  rollbackLatest,
  SshHost,
  syncGpuMapping,
  verifyFacts,
  writeFactsBundle,
} from '@infra/gpu-host-setup';
import { z } from 'zod';

const USAGE =
  'usage: gpu-host.ts <collect|plan|apply|verify|rollback|map> [--host user@host[:port] | --local] [--identity <key>] ' +
  '[--known-hosts <file>] [--root <dir>] [-e <env>] [--facts <dir>] [--out <dir>] [--select <pci address>] ' +
  '[--iommu-pt | --no-iommu-pt] [--disable-vga] [--backup-dir <dir>] [--yes] [--force] [--mapping <name>] [--node <node>] [--json]';

const argsSchema = z.object({
  command: z.enum(['collect', 'plan', 'apply', 'verify', 'rollback', 'map']),
  env: z.string().default('local'),
  host: z.string().optional(),
  local: z.boolean().optional(),
  identity: z.string().optional(),
  'known-hosts': z.string().optional(),
  root: z.string().optional(),
  facts: z.string().optional(),
  out: z.string().optional(),
  select: z.string().optional(),
  'iommu-pt': z.boolean().optional(),
  'no-iommu-pt': z.boolean().optional(),
  'disable-vga': z.boolean().optional(),
  'backup-dir': z.string().optional(),
  yes: z.boolean().default(false),
  force: z.boolean().default(false),
  mapping: z.string().optional(),
  node: z.string().optional(),
  json: z.boolean().default(false),
});
type Args = z.infer<typeof argsSchema>;

function parseCommandLine(): Args {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      env: { type: 'string', short: 'e' },
      host: { type: 'string' },
      local: { type: 'boolean' },
      identity: { type: 'string', short: 'i' },
      'known-hosts': { type: 'string' },
      root: { type: 'string' },
      facts: { type: 'string' },
      out: { type: 'string' },
      select: { type: 'string' },
      'iommu-pt': { type: 'boolean' },
      'no-iommu-pt': { type: 'boolean' },
      'disable-vga': { type: 'boolean' },
      'backup-dir': { type: 'string' },
      yes: { type: 'boolean', short: 'y' },
      force: { type: 'boolean' },
      mapping: { type: 'string' },
      node: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const parsed = argsSchema.safeParse({ command: positionals[0], ...values });
  if (!parsed.success || positionals.length > 1) throw new InfraError('USAGE', USAGE);
  return parsed.data;
}

/** The environment, or undefined when there is no config file at all (flags alone are then enough). */
async function environmentOrNothing(name: string): Promise<Environment | undefined> {
  try {
    return await loadEnvironment(name);
  } catch (error) {
    if (isInfraError(error) && error.code === 'CONFIG_NOT_FOUND') return undefined;
    throw error;
  }
}

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw new InfraError(
      'CONFIRMATION_REQUIRED',
      "apply changes the host's boot configuration and needs a confirmation",
      {
        hint: 'run it in a terminal, or pass --yes after reading `gpu-host.ts plan`',
      },
    );
  }
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await prompt.question(`${question} [y/N] `)).trim());
  } finally {
    prompt.close();
  }
}

await runMain(async () => {
  const args = parseCommandLine();
  const environment = await environmentOrNothing(args.env);
  const iommuPt = args['iommu-pt'] ? true : args['no-iommu-pt'] ? false : undefined;
  const settings = resolveSettings(
    environment?.gpu,
    {
      ...(args.host ? { host: args.host } : {}),
      ...(args.local ? { local: true } : {}),
      ...(args.identity ? { identity: args.identity } : {}),
      ...(args['known-hosts'] ? { knownHosts: args['known-hosts'] } : {}),
      ...(args.root ? { root: args.root } : {}),
      ...(args.select ? { select: args.select } : {}),
      ...(iommuPt === undefined ? {} : { iommuPt }),
      ...(args['disable-vga'] ? { disableVga: true } : {}),
    },
    { repoRoot: environment?.repoRoot ?? process.cwd(), cwd: process.cwd() },
  );
  const backupRoot = args['backup-dir'] ?? DEFAULT_BACKUP_ROOT;

  if (args.command === 'map') {
    if (!environment)
      throw new InfraError(
        'CONFIG_NOT_FOUND',
        'map needs infra.config.yaml (Proxmox endpoint, secrets, gpu.mapping)',
      );
    const name = args.mapping ?? environment.gpu.mapping;
    const node = args.node ?? environment.proxmox.node;
    log.step(`PCI mapping "${name}" on node ${node} (${environment.proxmox.endpoint})`);
    // Loaded on demand: only `map` talks to Proxmox.
    const { connectProxmox } = await import('@infra/proxmox-connect');
    const connection = await connectProxmox(environment, { logger: log });
    try {
      const result = await syncGpuMapping(connection.client, {
        node,
        name,
        selector: { vendor: '10de', class: '03', ...settings.plan.selector },
        description: 'GPU passthrough (managed by infra: scripts/gpu-host.ts map)',
      });
      for (const warning of result.warnings) log.warn(warning);
      printResult(
        result,
        args.json,
        () =>
          `${result.action === 'none' ? 'unchanged' : `${result.action}d`} mapping ${result.name}: ${result.entry}\n` +
          `attach it to a VM with: hostpci0: mapping=${result.name},pcie=1 (machine q35)`,
      );
    } finally {
      await connection.close();
    }
    return;
  }

  // plan/verify from a bundle need no host.
  if (args.facts && (args.command === 'plan' || args.command === 'verify')) {
    const facts = await readFactsBundle(args.facts);
    if (args.command === 'verify') {
      const result = verifyFacts(facts, settings.plan, undefined);
      printResult(result, args.json, () => formatVerify(result));
      return result.ok ? 0 : 1;
    }
    const plan = planHost(facts, settings.plan);
    for (const warning of plan.warnings) log.warn(warning);
    printResult(plan, args.json, () => formatPlan(plan, `bundle ${args.facts}`));
    return;
  }

  if (!settings.host) {
    throw new InfraError('HOST_NOT_SPECIFIED', `${args.command} needs the Proxmox host`, {
      hint: 'pass --host root@pve.lan (or set gpu.host.ssh in infra.config.yaml), or --local when running on the host itself',
    });
  }
  const target = settings.host;
  const host: Host =
    target.kind === 'local'
      ? new LocalHost(target.root ? { root: target.root } : {})
      : await SshHost.connect({
          target: target.target,
          ...(target.identityFile ? { identityFile: target.identityFile } : {}),
          ...(target.knownHostsFile ? { knownHostsFile: target.knownHostsFile } : {}),
          ...(target.root ? { root: target.root } : {}),
        });
  try {
    log.step(`collecting facts from ${host.label}`);
    const facts: RawFacts = await collectFacts(host);

    if (args.command === 'collect') {
      if (args.out) {
        const files = await writeFactsBundle(args.out, facts);
        log.success(`wrote ${files.length} files to ${args.out}`);
      }
      printResult(
        facts,
        args.json,
        () =>
          `kernel ${facts.kernelRelease}; ${Object.keys(facts.files).length} config files; ` +
          `proxmox-boot-tool status exit ${facts.bootToolStatus.exitCode}${args.out ? `; bundle in ${args.out}` : ' (pass --out <dir> to keep them)'}`,
      );
      return;
    }

    if (args.command === 'verify') {
      const result = verifyFacts(facts, settings.plan, await lastApplied(host, backupRoot));
      printResult(result, args.json, () => formatVerify(result));
      return result.ok ? 0 : 1;
    }

    if (args.command === 'rollback') {
      const result = await rollbackLatest(host, {
        backupRoot,
        force: args.force,
        progress: (m) => log.info(m),
      });
      printResult(result, args.json, () =>
        result.status === 'nothing-to-roll-back'
          ? 'nothing to roll back (no apply recorded, or the latest one is already rolled back)'
          : `restored the files of ${result.backupDir}; reboot for the old configuration to take effect`,
      );
      return;
    }

    const plan = planHost(facts, settings.plan);
    for (const warning of plan.warnings) log.warn(warning);
    if (args.command === 'plan') {
      printResult(plan, args.json, () => formatPlan(plan, host.label));
      return;
    }

    // apply
    if (plan.changes.length > 0) {
      if (!args.json) process.stdout.write(`${formatPlan(plan, host.label)}\n`);
      if (!args.yes && !(await confirm(`Apply ${plan.changes.length} change(s) to ${host.label}?`))) {
        log.info('nothing changed');
        return 1;
      }
    }
    const result = await applyPlan(host, plan, facts, { backupRoot, progress: (m) => log.info(m) });
    printResult(result, args.json, () => {
      if (result.status === 'no-op') {
        return plan.rebootRequired
          ? 'nothing to change; the configuration is in place but not active yet: reboot the host, then run verify'
          : 'nothing to change: the host is compliant';
      }
      return `done (backup: ${result.backupDir}). The host was NOT rebooted: reboot it, then run \`gpu-host.ts verify\`.`;
    });
  } finally {
    await host.close();
  }
});
