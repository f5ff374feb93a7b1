import { PROPERTY_STRING_FORMATS, splitPropertyString } from '@infra/pve-api';
import { ok, type RequestContext, type Route } from '../core';
import { dieError } from '../errors';
import { int, str } from '../http/params';
import type { VmState } from '../state/schema';
import { findPciDevice } from './hardware';
import { assertMappingValid, nodeEntries } from './mapping';
import { regenerateCloudinit } from './qemu-cloudinit';
import { assertUnlocked, bootDiskBytes, cpuCount, findVmForPower, loadVm, maxMemBytes } from './vm-common';

function vmSummary(vmid: string, vm: VmState) {
  const c = vm.config;
  return {
    vmid: Number(vmid),
    name: c.name ?? `VM ${vmid}`,
    status: vm.running ? 'running' : 'stopped',
    cpus: cpuCount(c),
    maxmem: maxMemBytes(c),
    mem: vm.running ? Math.floor(maxMemBytes(c) * 0.3) : 0,
    maxdisk: bootDiskBytes(c),
    disk: 0,
    uptime: vm.running && vm.startedAt ? Math.floor((Date.now() - vm.startedAt) / 1000) : 0,
    cpu: vm.running ? 0.01 : 0,
    netin: 0,
    netout: 0,
    diskread: 0,
    diskwrite: 0,
    ...(c.template === '1' ? { template: 1 } : {}),
    ...(c.lock ? { lock: c.lock } : {}),
    ...(c.tags ? { tags: c.tags } : {}),
  };
}

const agentEnabled = (vm: VmState) => /^(1|enabled=1)/.test(vm.config.agent ?? '');

/** What `qm start` checks about passthrough devices before QEMU runs. */
function checkHostpci(ctx: RequestContext, vmid: number, vm: VmState): void {
  const node = vm.node;
  for (const [key, value] of Object.entries(vm.config)) {
    if (!/^hostpci\d+$/.test(key)) continue;
    const parsed = splitPropertyString(value, PROPERTY_STRING_FORMATS['pve-qm-hostpci']);
    const entry = parsed.ok ? parsed.values : {};
    if (entry.pcie === '1' && !/q35/.test(vm.config.machine ?? ''))
      throw new Error('q35 machine model is not enabled');
    let paths: string[];
    if (entry.mapping !== undefined) {
      const mapping = ctx.state.mappings.pci[entry.mapping];
      const entries = mapping ? nodeEntries(mapping, node) : [];
      if (entries.length === 0) throw new Error(`PCI device mapping not found for '${entry.mapping}'`);
      try {
        assertMappingValid(ctx.state, entry.mapping, entries[0]!);
      } catch (error) {
        throw new Error(
          `PCI device mapping invalid (hardware probably changed): ${(error as Error).message}`,
        );
      }
      paths = entries[0]!.path!.split(';');
    } else {
      paths = (entry.host ?? '').split(';').map((p) => (/^[0-9a-f]{4,}:/i.test(p) ? p : `0000:${p}`));
      for (const path of paths)
        if (!findPciDevice(ctx.state.nodes[node]!.pci, path))
          throw new Error(`no PCI device found for '${path}'`);
    }
    for (const [otherId, other] of Object.entries(ctx.state.vms)) {
      if (otherId === String(vmid) || !other.running || other.node !== node) continue;
      const used = Object.entries(other.config)
        .filter(([k]) => /^hostpci\d+$/.test(k))
        .map(([, v]) => v);
      for (const path of paths) {
        const bus = path.replace(/\.\d$/, '');
        if (used.some((v) => v.includes(bus) || (entry.mapping && v.includes(`mapping=${entry.mapping}`))))
          throw new Error(`PCI device '${path}' already in use by VMID '${otherId}'`);
      }
    }
  }
}

function powerTask(
  ctx: RequestContext,
  type: 'qmstart' | 'qmstop' | 'qmshutdown' | 'qmreboot',
  action: (vm: VmState, vmid: number) => void,
) {
  const node = str(ctx.params, 'node')!;
  const vmid = int(ctx.params, 'vmid')!;
  const vm = findVmForPower(ctx.state, node, vmid);
  return ok(
    ctx.core.tasks.start({
      node,
      type,
      id: String(vmid),
      user: ctx.caller.authId,
      origin: { method: ctx.method, path: ctx.path },
      async work() {
        action(vm, vmid);
      },
    }),
  );
}

/** The checks every `agent/*` call makes, with qemu-server's texts. */
function assertAgentAnswers(ctx: RequestContext, vmid: number, vm: VmState): void {
  if (!agentEnabled(vm)) throw dieError('No QEMU guest agent configured');
  if (!vm.running) throw dieError(`VM ${vmid} is not running`);
  if (Date.now() - (vm.startedAt ?? 0) < ctx.core.timing.agentBootMs)
    throw dieError('QEMU guest agent is not running');
}

const macOf = (vm: VmState) =>
  /=([0-9A-Fa-f:]{17})/.exec(vm.config.net0 ?? '')?.[1]?.toLowerCase() ?? undefined;

export const powerRoutes: Route[] = [
  {
    method: 'GET',
    template: '/nodes/{node}/qemu',
    handler(ctx) {
      const node = str(ctx.params, 'node')!;
      return ok(
        Object.entries(ctx.state.vms)
          .filter(
            ([id, vm]) => vm.node === node && ctx.core.perms.has(ctx.caller.authId, `/vms/${id}`, 'VM.Audit'),
          )
          .map(([id, vm]) => vmSummary(id, vm)),
      );
    },
  },
  {
    method: 'GET',
    template: '/nodes/{node}/qemu/{vmid}/status/current',
    handler(ctx) {
      const vmid = int(ctx.params, 'vmid')!;
      const vm = loadVm(ctx.state, str(ctx.params, 'node')!, vmid);
      const { cpu: _cpu, ...summary } = vmSummary(String(vmid), vm);
      return ok({
        ...summary,
        cpu: summary.status === 'running' ? 0.01 : 0,
        qmpstatus: summary.status,
        ha: { managed: 0 },
        ...(agentEnabled(vm) ? { agent: 1 } : {}),
      });
    },
  },
  {
    method: 'POST',
    template: '/nodes/{node}/qemu/{vmid}/status/start',
    handler(ctx) {
      const vm = findVmForPower(ctx.state, str(ctx.params, 'node')!, int(ctx.params, 'vmid')!);
      if (vm.config.template === '1') throw dieError("you can't start a vm if it's a template");
      assertUnlocked(vm);
      return powerTask(ctx, 'qmstart', (target, vmid) => {
        if (target.running) throw new Error(`VM ${vmid} already running`);
        checkHostpci(ctx, vmid, target);
        regenerateCloudinit(target);
        target.running = true;
        target.startedAt = Date.now();
      });
    },
  },
  {
    method: 'POST',
    template: '/nodes/{node}/qemu/{vmid}/status/stop',
    handler: (ctx) =>
      powerTask(ctx, 'qmstop', (vm) => {
        vm.running = false;
        delete vm.startedAt;
      }),
  },
  {
    method: 'POST',
    template: '/nodes/{node}/qemu/{vmid}/status/shutdown',
    handler: (ctx) =>
      powerTask(ctx, 'qmshutdown', (vm, vmid) => {
        if (!vm.running) throw new Error(`VM ${vmid} not running`);
        vm.running = false;
        delete vm.startedAt;
      }),
  },
  {
    // qm reboot: a clean shutdown and a fresh start; the guest agent goes away until the guest is up again.
    method: 'POST',
    template: '/nodes/{node}/qemu/{vmid}/status/reboot',
    handler(ctx) {
      const vm = findVmForPower(ctx.state, str(ctx.params, 'node')!, int(ctx.params, 'vmid')!);
      assertUnlocked(vm);
      return powerTask(ctx, 'qmreboot', (target, vmid) => {
        if (!target.running) throw new Error(`VM ${vmid} not running`);
        target.startedAt = Date.now();
      });
    },
  },
  {
    method: 'POST',
    template: '/nodes/{node}/qemu/{vmid}/agent/ping',
    handler(ctx) {
      const vmid = int(ctx.params, 'vmid')!;
      assertAgentAnswers(ctx, vmid, loadVm(ctx.state, str(ctx.params, 'node')!, vmid));
      return ok({ result: {} });
    },
  },
  {
    method: 'GET',
    template: '/nodes/{node}/qemu/{vmid}/agent/network-get-interfaces',
    handler(ctx) {
      const vmid = int(ctx.params, 'vmid')!;
      const vm = loadVm(ctx.state, str(ctx.params, 'node')!, vmid);
      assertAgentAnswers(ctx, vmid, vm);
      const stats = {
        'rx-bytes': 0,
        'rx-dropped': 0,
        'rx-errs': 0,
        'rx-packets': 0,
        'tx-bytes': 0,
        'tx-dropped': 0,
        'tx-errs': 0,
        'tx-packets': 0,
      };
      const mac = macOf(vm);
      const addresses = ctx.core.guestAddresses({ vmid, node: vm.node, name: vm.config.name, mac });
      return ok({
        result: [
          {
            name: 'lo',
            'hardware-address': '00:00:00:00:00:00',
            'ip-addresses': [{ 'ip-address': '127.0.0.1', 'ip-address-type': 'ipv4', prefix: 8 }],
            statistics: stats,
          },
          {
            name: 'eth0',
            'hardware-address': mac ?? '00:00:00:00:00:00',
            'ip-addresses': addresses.map((a) => ({
              'ip-address': a.ip,
              'ip-address-type': a.type ?? (a.ip.includes(':') ? 'ipv6' : 'ipv4'),
              prefix: a.prefix,
            })),
            statistics: stats,
          },
        ],
      });
    },
  },
];
