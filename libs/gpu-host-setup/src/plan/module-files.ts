import { InfraError } from '@infra/core';
import type { GpuHostErrorCode } from '../error-codes';
import { kernelOlderThan } from '../parse/host-info';
import { pciId } from '../parse/lspci';
import {
  emptyModprobeConfig,
  moduleName,
  parseModprobeConf,
  parseModulesLoad,
  vfioIds,
} from '../parse/module-config';
import type { PlanOptions } from './options';
import type { GpuSelection } from './select-gpu';

/** Files this tool owns: rewritten whole on apply (never appended to), restored by rollback. */
export const OWNED_FILES = {
  modulesLoad: '/etc/modules-load.d/infra-vfio.conf',
  vfio: '/etc/modprobe.d/infra-vfio.conf',
  blacklist: '/etc/modprobe.d/infra-blacklist-nvidia.conf',
} as const;

const OWNED = new Set<string>(Object.values(OWNED_FILES));

/** NVIDIA host drivers that must never claim the card (nvidiafb is usually blacklisted by pve-blacklist.conf). */
const BLACKLIST = ['nouveau', 'nvidia', 'nvidia_drm', 'nvidia_modeset', 'nvidia_uvm', 'nvidiafb'];
/** Always ordered after vfio-pci, whatever lspci reports as possible drivers. */
const BASE_SOFTDEPS = ['nouveau', 'nvidia'];

const HEADER = [
  '# Managed by infra (libs/gpu-host-setup: `./infra gpu-host apply`), generated from the host facts and',
  '# the gpu section of infra.config.yaml. Rewritten whole on apply, restored by `gpu-host.ts rollback`; do not edit.',
];

export interface ModuleFilesDecision {
  /** Wanted content of each owned file; undefined = the file should not exist. */
  desired: Record<string, string | undefined>;
  warnings: string[];
}

const isConf = (path: string) => path.endsWith('.conf');

/**
 * Decides the owned module files from what the other files already provide, so a host configured by hand is
 * already compliant and nothing is configured twice. Owned files never count as "provided by others", which
 * keeps the decision the same on the second run (idempotent).
 */
export function decideModuleFiles(
  files: Readonly<Record<string, string>>,
  kernel: readonly [number, number, number],
  selection: GpuSelection,
  options: Pick<PlanOptions, 'disableVga'>,
): ModuleFilesDecision {
  const warnings: string[] = [];
  const others = Object.entries(files)
    .filter(([path]) => !OWNED.has(path))
    .sort(([a], [b]) => a.localeCompare(b));

  // 1. Modules loaded at boot.
  const loadFiles = others.filter(
    ([path]) => path === '/etc/modules' || (path.startsWith('/etc/modules-load.d/') && isConf(path)),
  );
  const loaded = new Set(loadFiles.flatMap(([, content]) => parseModulesLoad(content)));
  const preVirqfdFold = kernelOlderThan(kernel, 6, 2);
  const modules = ['vfio', 'vfio_iommu_type1', 'vfio_pci', ...(preVirqfdFold ? ['vfio_virqfd'] : [])];
  const missingModules = modules.filter((m) => !loaded.has(m));
  if (!preVirqfdFold) {
    for (const [path, content] of loadFiles) {
      if (parseModulesLoad(content).includes('vfio_virqfd')) {
        warnings.push(
          `${path} loads vfio_virqfd, which is part of vfio since kernel 6.2 (systemd-modules-load fails on it); remove that line`,
        );
      }
    }
  }

  // 2. modprobe.d: vfio-pci IDs, soft dependencies, blacklist.
  const modprobe = emptyModprobeConfig();
  for (const [path, content] of others)
    if (path.startsWith('/etc/modprobe.d/') && isConf(path)) parseModprobeConf(content, modprobe);
  const ids = [...new Set(selection.functions.map(pciId))];
  const otherIds = vfioIds(modprobe);
  const lines: string[] = [];
  if (otherIds.length > 0 && !ids.every((id) => otherIds.includes(id))) {
    throw new InfraError<GpuHostErrorCode>(
      'VFIO_IDS_CONFLICT',
      `/etc/modprobe.d already sets "options vfio-pci ids=${otherIds.join(',')}", which lacks ${ids.filter((id) => !otherIds.includes(id)).join(', ')} of the GPU at ${selection.slot}`,
      {
        hint: `two ids= options override each other; add ${ids.join(',')} to that line (or remove it and let this tool write its own), then plan again`,
      },
    );
  }
  const vfioOptions = [
    ...(otherIds.length === 0 ? [`ids=${ids.join(',')}`] : []),
    ...(options.disableVga && !(modprobe.options.get('vfio_pci') ?? []).includes('disable_vga=1')
      ? ['disable_vga=1']
      : []),
  ];
  if (vfioOptions.length > 0) lines.push(`options vfio-pci ${vfioOptions.join(' ')}`);
  const softdeps = new Set(BASE_SOFTDEPS);
  for (const fn of selection.functions) {
    for (const name of [...fn.modules, ...(fn.driver ? [fn.driver] : [])]) softdeps.add(moduleName(name));
    if (fn.classCode === '0403') softdeps.add('snd_hda_intel');
  }
  softdeps.delete('vfio_pci');
  for (const module of [...softdeps].sort()) {
    if (!(modprobe.softdepPre.get(module) ?? []).includes('vfio_pci'))
      lines.push(`softdep ${module} pre: vfio-pci`);
  }
  const blacklist = BLACKLIST.filter((m) => !modprobe.blacklist.has(m));
  if (modprobe.blacklist.has('snd_hda_intel')) {
    warnings.push(
      "snd_hda_intel is blacklisted in /etc/modprobe.d: that also silences the host's other audio/HDMI devices; vfio-pci ids + softdep are enough",
    );
  }

  const idsNote = `# vfio-pci claims every function of the GPU slot ${selection.slot} (${ids.join(', ')}) before a host driver can.`;
  const file = (body: string[], note: string) =>
    body.length === 0 ? undefined : `${[...HEADER, note, ...body].join('\n')}\n`;
  return {
    desired: {
      [OWNED_FILES.modulesLoad]: file(
        missingModules,
        '# VFIO modules for PCI passthrough (Proxmox VE docs, "PCI(e) Passthrough").',
      ),
      [OWNED_FILES.vfio]: file(lines, idsNote),
      [OWNED_FILES.blacklist]: file(
        blacklist.map((m) => `blacklist ${m}`),
        '# Keep NVIDIA host drivers off the card; snd_hda_intel is deliberately not blacklisted (host audio needs it).',
      ),
    },
    warnings,
  };
}
