#!/usr/bin/env tsx
/**
 * NVIDIA GPU passthrough setup of the Proxmox host: detect → plan → diff → apply with backups → verify.
 *
 * Host: --host user@host[:port] (ssh; --identity, --known-hosts), --local (on the Proxmox host itself), or the
 * config's gpu.host.ssh. --root <dir> prefixes every host path (tests, dry runs on a copy). Options come from the
 * gpu section of infra.config.yaml (-e <env>, default local); --select, --iommu-pt/--no-iommu-pt, --disable-vga
 * override it. The facts bundle layout is in libs/gpu-host-setup/README.md.
 */
import { createInterface } from 'node:readline/promises';
import { type ConfigErrorCode, type Environment, loadEnvironment } from '@infra/config';
import {
  defineCommand,
  defineGroup,
  InfraError,
  isInfraError,
  jsonOption,
  log,
  option,
  printResult,
  runScript,
  type ValuesOf,
} from '@infra/core';
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
import type { ScriptsErrorCode } from './support/error-codes';

const base = {
  env: option.string('environment whose gpu section gives the defaults', { short: 'e', default: 'local' }),
  json: jsonOption,
};
const hostOptions = {
  host: option.string('the Proxmox host over ssh (default: gpu.host.ssh)', { value: 'user@host[:port]' }),
  local: option.flag('run on this machine (you are on the Proxmox host)'),
  identity: option.string('ssh private key', { short: 'i', value: 'key' }),
  'known-hosts': option.string('ssh known_hosts file to verify the host key against', { value: 'file' }),
  root: option.string('prefix every host path with this folder (tests, dry runs on a copy)', {
    value: 'dir',
  }),
};
const planOptions = {
  select: option.string('the GPU to pass through, when there are several', { value: 'pci address' }),
  'iommu-pt': option.flag('add iommu=pt to the kernel command line'),
  'no-iommu-pt': option.flag('leave iommu=pt out'),
  'disable-vga': option.flag('keep the host console off the GPU (video=efifb:off)'),
};
const backupDir = {
  'backup-dir': option.string(`where backups are kept on the host (default: ${DEFAULT_BACKUP_ROOT})`, {
    value: 'dir',
  }),
};
const facts = {
  facts: option.string('read facts from a bundle (from collect --out) instead of a host', { value: 'dir' }),
};

type Args = ValuesOf<typeof base> &
  Partial<
    ValuesOf<typeof hostOptions & typeof planOptions & typeof backupDir & typeof facts> & {
      out: string | undefined;
      yes: boolean;
      force: boolean;
      mapping: string | undefined;
      node: string | undefined;
    }
  > & { command: 'collect' | 'plan' | 'apply' | 'verify' | 'rollback' | 'map' };

/** The environment, or undefined when there is no config file at all (flags alone are then enough). */
async function environmentOrNothing(name: string): Promise<Environment | undefined> {
  try {
    return await loadEnvironment(name);
  } catch (error) {
    if (isInfraError<ConfigErrorCode>(error, 'CONFIG_NOT_FOUND')) return undefined;
    throw error;
  }
}

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw new InfraError<ScriptsErrorCode>(
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

async function gpuHost(args: Args): Promise<number | undefined> {
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
      throw new InfraError<ConfigErrorCode>(
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
        selector: {
          ...settings.plan.selector,
          vendor: settings.plan.selector?.vendor ?? '10de',
          class: settings.plan.selector?.class ?? '03',
        },
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
    throw new InfraError<ScriptsErrorCode>('HOST_NOT_SPECIFIED', `${args.command} needs the Proxmox host`, {
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
      const result = verifyFacts(
        facts,
        settings.plan,
        await lastApplied(host, backupRoot, (m) => log.warn(m)),
      );
      printResult(result, args.json, () => formatVerify(result));
      return result.ok ? 0 : 1;
    }

    if (args.command === 'rollback') {
      const result = await rollbackLatest(host, {
        backupRoot,
        force: args.force,
        progress: (m) => log.info(m),
        warn: (m) => log.warn(m),
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
    const result = await applyPlan(host, plan, facts, {
      backupRoot,
      progress: (m) => log.info(m),
      warn: (m) => log.warn(m),
    });
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
}

const runAs =
  (name: Args['command']) =>
  async ({ args }: { args: Omit<Args, 'command'> }) =>
    gpuHost({ ...args, command: name });

export const command = defineGroup({
  description: 'NVIDIA GPU passthrough on the Proxmox host: collect, plan, apply, verify, rollback, map',
  subcommands: {
    collect: defineCommand({
      description: 'gather the facts bundle from the host (kernel, PCI devices, boot configuration)',
      options: {
        ...base,
        ...hostOptions,
        out: option.string('write the bundle to this folder', { value: 'dir' }),
      },
      run: runAs('collect'),
    }),
    plan: defineCommand({
      description: 'what would change, as diffs (--json for the plan)',
      options: { ...base, ...hostOptions, ...planOptions, ...facts },
      run: runAs('plan'),
    }),
    apply: defineCommand({
      description: 'back up, write, refresh initramfs/bootloader; never reboots',
      options: {
        ...base,
        ...hostOptions,
        ...planOptions,
        ...backupDir,
        yes: option.flag('apply without asking (after reading `gpu-host.ts plan`)', { short: 'y' }),
      },
      run: runAs('apply'),
    }),
    verify: defineCommand({
      description: 'after the reboot: IOMMU, isolation, cmdline, vfio-pci, drift',
      options: { ...base, ...hostOptions, ...planOptions, ...backupDir, ...facts },
      run: runAs('verify'),
    }),
    rollback: defineCommand({
      description: 'restore the latest backup set',
      options: {
        ...base,
        ...hostOptions,
        ...backupDir,
        force: option.flag('restore even files changed since the apply'),
      },
      run: runAs('rollback'),
    }),
    map: defineCommand({
      description: 'create or update the Proxmox PCI mapping (gpu.mapping)',
      options: {
        ...base,
        select: planOptions.select,
        mapping: option.string('mapping name (default: gpu.mapping)', { value: 'name' }),
        node: option.string('Proxmox node (default: proxmox.node)', { value: 'node' }),
      },
      run: runAs('map'),
    }),
  },
});

await runScript(import.meta.url, command);
