import { kubernetesCompatibility } from '@infra/platform';
import type { Finding, HostFacts, Wanted } from './facts';
import { callExpression, judgeCalls, pathsOf, type Requirement } from './privileges';
import { placeholders, type StageName, stageCalls } from './stage-calls';

/** PVE major versions this project's client, simulator and bpg provider pin are written against. */
export const SUPPORTED_PVE_MAJOR = 9;

const ok = (check: string, message: string): Finding => ({ check, status: 'ok', message });
const fail = (check: string, message: string, fix?: string): Finding => ({
  check,
  status: 'fail',
  message,
  ...(fix ? { fix } : {}),
});

export function checkVersions(facts: HostFacts, wanted: Wanted): Finding[] {
  const major = Number(/^(\d+)\./.exec(facts.pveVersion)?.[1]);
  const pve =
    major === SUPPORTED_PVE_MAJOR
      ? ok('pve-version', `Proxmox VE ${facts.pveVersion}`)
      : fail(
          'pve-version',
          `Proxmox VE ${facts.pveVersion} is not ${SUPPORTED_PVE_MAJOR}.x (the API schema, simulator and provider pins are for ${SUPPORTED_PVE_MAJOR}.x)`,
          'pve8to9 --full   # then upgrade the host following the PVE 8 to 9 upgrade guide',
        );
  if (wanted.kubernetesVersion === undefined)
    return [pve, ok('talos-kubernetes', `Talos ${wanted.talosVersion} with its default Kubernetes`)];
  const why = kubernetesCompatibility(wanted.talosVersion, wanted.kubernetesVersion);
  const kube = why
    ? fail(
        'talos-kubernetes',
        `${wanted.configLabel}: talos.kubernetesVersion: ${why}`,
        'set talos.kubernetesVersion in infra.config.yaml to a version this Talos line supports',
      )
    : ok('talos-kubernetes', `Talos ${wanted.talosVersion} supports Kubernetes ${wanted.kubernetesVersion}`);
  return [pve, kube];
}

export function checkNode(facts: HostFacts, wanted: Wanted): Finding {
  return facts.onlineNodes.includes(wanted.node)
    ? ok('node', `node ${wanted.node} is online`)
    : fail(
        'node',
        `${wanted.configLabel}: proxmox.node: "${wanted.node}" is not an online node (online: ${facts.onlineNodes.join(', ') || 'none'})`,
        'pvecm nodes   # and set proxmox.node in infra.config.yaml to one of them',
      );
}

/** The content types each configured storage needs, and for which stage. */
function storageNeeds(wanted: Wanted) {
  return [
    {
      storage: wanted.imageStorage,
      field: 'proxmox.storage.images',
      content: 'import',
      why: 'image downloads',
      optional: false,
    },
    {
      storage: wanted.diskStorage,
      field: 'proxmox.storage.disks',
      content: 'images',
      why: 'VM disks',
      optional: false,
    },
    {
      storage: wanted.imageStorage,
      field: 'proxmox.storage.images',
      content: 'snippets',
      why: 'cloud-init snippets',
      optional: true,
    },
  ];
}

export function checkStorages(facts: HostFacts, wanted: Wanted): Finding[] {
  return storageNeeds(wanted).map(({ storage, field, content, why, optional }) => {
    const check = `storage ${storage}: ${content}`;
    const found = facts.storages.find((s) => s.id === storage);
    if (!found) {
      return fail(
        check,
        `${wanted.configLabel}: ${field}: storage "${storage}" is not available on node ${wanted.node} (there: ${facts.storages.map((s) => s.id).join(', ') || 'none'})`,
        `pvesm status   # and set ${field} in infra.config.yaml to one of them`,
      );
    }
    if (found.content.includes(content)) return ok(check, `storage ${storage} holds ${content} (${why})`);
    return {
      check,
      // Snippets only matter once a VM takes cloud-init user data from a file: a warning, not a failure.
      status: optional ? 'warn' : 'fail',
      message: `storage "${storage}" (${found.type}) does not accept "${content}" content, needed for ${why} (it has: ${found.content.join(',') || 'none'})`,
      fix: `pvesm set ${storage} --content ${[...found.content, content].join(',')}`,
    };
  });
}

export function checkBridge(facts: HostFacts, wanted: Wanted): Finding {
  return facts.bridges.includes(wanted.bridge)
    ? ok('bridge', `bridge ${wanted.bridge} exists on ${wanted.node}`)
    : fail(
        'bridge',
        `${wanted.configLabel}: proxmox.bridge: bridge "${wanted.bridge}" does not exist on node ${wanted.node} (bridges: ${facts.bridges.join(', ') || 'none'})`,
        `pvesh create /nodes/${wanted.node}/network --iface ${wanted.bridge} --type bridge --autostart 1 && pvesh set /nodes/${wanted.node}/network`,
      );
}

/** The range may hold templates and VMs of this project (tag `infra`), nothing else. */
export function checkVmidRange(facts: HostFacts, wanted: Wanted): Finding {
  const { start, end } = wanted.vmidRange;
  const foreign = facts.vms.filter((vm) => vm.vmid >= start && vm.vmid <= end && !vm.tags.includes('infra'));
  if (foreign.length === 0) {
    return ok('vmid-range', `VMIDs ${start}-${end} hold only this project's objects`);
  }
  const list = foreign.map((vm) => `${vm.vmid} (${vm.name || 'unnamed'} on ${vm.node})`).join(', ');
  return fail(
    'vmid-range',
    `${wanted.configLabel}: templates.vmidRange: ${start}-${end} holds VMs this project did not create: ${list}`,
    `pvesh get /cluster/nextid --vmid ${end + 1}   # then move templates.vmidRange in infra.config.yaml to a free range`,
  );
}

const hex = (value: string) => value.replace(/^0x/i, '').toLowerCase();

type PciFact = HostFacts['pci'][number];

/** The `--map` entry PVE wants for a device: ids, subsystem ids and IOMMU group, as it checks them. */
function mapEntry(node: string, device: PciFact): string {
  const sub =
    device.subsystemVendor && device.subsystemDevice
      ? `,subsystem-id=${hex(device.subsystemVendor)}:${hex(device.subsystemDevice)}`
      : '';
  return `node=${node},path=${device.id},id=${hex(device.vendor)}:${hex(device.device)}${sub},iommugroup=${device.iommugroup}`;
}

export function checkGpuMapping(facts: HostFacts, wanted: Wanted): Finding {
  const { mapping: id, vendor, class: klass } = wanted.gpu;
  const devices = facts.pci.filter((d) => hex(d.vendor) === vendor && hex(d.class).startsWith(klass));
  const device = devices[0];
  if (!facts.mapping) {
    return fail(
      'gpu-mapping',
      `PCI mapping "${id}" (gpu.mapping) does not exist${device ? '' : `, and node ${wanted.node} has no device of vendor ${vendor} class ${klass}`}`,
      device
        ? `pvesh create /cluster/mapping/pci --id ${id} --map ${mapEntry(wanted.node, device)}`
        : `lspci -nn   # on ${wanted.node}: no matching GPU; fix gpu.selector in infra.config.yaml`,
    );
  }
  const errors = facts.mapping.checks.filter(
    (c) => c.severity === 'error' || /no mapping for node/i.test(c.message),
  );
  const entries = facts.mapping.map.filter((entry) => entry.split(',').includes(`node=${wanted.node}`));
  const paths = entries.map((entry) => /(?:^|,)path=([^,]+)/.exec(entry)?.[1] ?? '');
  const matching = paths.filter((path) => devices.some((d) => d.id.startsWith(path)));
  if (errors.length > 0 || matching.length === 0) {
    const why =
      errors.map((c) => c.message).join('; ') ||
      `its entries for ${wanted.node} (${paths.join(', ') || 'none'}) match no device of vendor ${vendor} class ${klass}`;
    // `--map` replaces the whole list: the other nodes' entries are passed again, or the fix would drop them.
    const keptEntries = facts.mapping.map
      .filter((entry) => !entry.split(',').includes(`node=${wanted.node}`))
      .map((entry) => `--map ${entry} `)
      .join('');
    return fail(
      'gpu-mapping',
      `PCI mapping "${id}" is not valid on ${wanted.node}: ${why}`,
      device
        ? `pvesh set /cluster/mapping/pci/${id} ${keptEntries}--map ${mapEntry(wanted.node, device)}`
        : undefined,
    );
  }
  return ok('gpu-mapping', `PCI mapping "${id}" maps ${matching.join(', ')} on ${wanted.node}`);
}

/** Grants on a VM id go to `/vms` (every VM the stages create); other paths as asked. */
const grantPath = (path: string) => (/^\/vms\/\d+$/.test(path) ? '/vms' : path);

/** The stages' calls and placeholder values for an environment. */
export function stagesOf(wanted: Wanted) {
  const context = {
    node: wanted.node,
    imageStorage: wanted.imageStorage,
    diskStorage: wanted.diskStorage,
    bridge: wanted.bridge,
    vmid: wanted.vmidRange.start,
    mapping: wanted.gpu.mapping,
  };
  return { vars: placeholders(context), stages: stageCalls(context) };
}

/** Every ACL path the stages' permission checks look at (what to ask `/access/permissions` about). */
export function privilegePaths(wanted: Wanted): string[] {
  const { vars, stages } = stagesOf(wanted);
  const paths = Object.values(stages).flatMap((calls) =>
    calls.flatMap((call) => pathsOf(callExpression(call, vars))),
  );
  return [...new Set(paths)].sort();
}

export function checkPrivileges(facts: HostFacts, wanted: Wanted): Finding[] {
  const { vars, stages } = stagesOf(wanted);
  return (Object.keys(stages) as StageName[]).map((stage) => {
    const verdicts = judgeCalls(stages[stage], vars, facts.held);
    const missing = verdicts.filter((v) => v.missing.length > 0);
    const check = `privileges: ${stage}`;
    if (missing.length === 0) return ok(check, `token ${wanted.tokenId} may make every call of ${stage}`);
    const byPath = new Map<string, Set<string>>();
    const add = (r: Requirement) => {
      const set = byPath.get(grantPath(r.path)) ?? new Set<string>();
      // "any of": the first one is enough; name it so the fix is exact.
      for (const p of r.any ? r.privileges.slice(0, 1) : r.privileges) set.add(p);
      byPath.set(grantPath(r.path), set);
    };
    for (const v of missing) for (const r of v.missing) add(r);
    const role = `Infra${stage.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase())}`;
    const privs = [...new Set([...byPath.values()].flatMap((s) => [...s]))].sort();
    const fix = [
      `pveum role add ${role} --privs "${privs.join(',')}"`,
      ...[...byPath.keys()]
        .sort()
        .map((path) => `pveum acl modify ${path} --tokens '${wanted.tokenId}' --roles ${role}`),
    ].join(' && ');
    const detail = missing
      .map(
        (v) =>
          `${v.key} needs ${v.missing.map((r) => `${r.privileges.join(r.any ? '|' : '+')} on ${r.path}`).join(', ')}`,
      )
      .join('; ');
    return fail(check, `token ${wanted.tokenId} lacks privileges for ${stage}: ${detail}`, fix);
  });
}

/** Every check that needs only the observed facts, in report order. */
export function judgeHost(facts: HostFacts, wanted: Wanted): Finding[] {
  return [
    ...checkVersions(facts, wanted),
    checkNode(facts, wanted),
    ...checkPrivileges(facts, wanted),
    ...checkStorages(facts, wanted),
    checkBridge(facts, wanted),
    checkVmidRange(facts, wanted),
    checkGpuMapping(facts, wanted),
  ];
}
