import { comparePciAddresses, normalizePciAddress } from './pci-address';

/** One PCI function as `lspci -Dnnk` describes it. */
export interface PciDevice {
  /** `0000:01:00.0` */
  address: string;
  /** 4 hex digits, e.g. `0300` (VGA), `0302` (3D), `0403` (audio), `0604` (PCI bridge). */
  classCode: string;
  className: string;
  /** `10de` */
  vendorId: string;
  /** `27b2` */
  deviceId: string;
  /** The name between the class and the IDs, e.g. `NVIDIA Corporation AD104GL [RTX 4000 Ada Generation]`. */
  name: string;
  /** `vvvv:dddd` from the `Subsystem:` line, when lspci printed one. */
  subsystemId?: string;
  /** `Kernel driver in use:`; absent when nothing is bound. */
  driver?: string;
  /** `Kernel modules:` (modules that could drive it). */
  modules: string[];
}

// `01:00.0 VGA compatible controller [0300]: NVIDIA Corporation AD104GL [...] [10de:27b2] (rev a1)`
const DEVICE_LINE =
  /^((?:[0-9a-f]{4,}:)?[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])\s+(.+?)\s+\[([0-9a-f]{4})\]:\s+(.*?)\s*\[([0-9a-f]{4}):([0-9a-f]{4})\](?:\s+\(rev [0-9a-f]+\))?(?:\s+\(prog-if [^)]*\))?\s*$/i;
const SUBSYSTEM_LINE = /^\s+Subsystem:.*\[([0-9a-f]{4}):([0-9a-f]{4})\]\s*$/i;
const DRIVER_LINE = /^\s+Kernel driver in use:\s*(\S+)\s*$/;
const MODULES_LINE = /^\s+Kernel modules:\s*(.+?)\s*$/;

/**
 * Parses `lspci -nnk` output (with or without `-D`). Lines that are neither a device line nor one of its known
 * detail lines (shell prompts, blank lines, other details) are ignored, so captured transcripts parse too.
 * Devices are returned sorted by address; a repeated address keeps the later capture.
 */
export function parseLspci(text: string): PciDevice[] {
  const devices = new Map<string, PciDevice>();
  let current: PciDevice | undefined;
  for (const line of text.split('\n')) {
    const device = DEVICE_LINE.exec(line);
    if (device) {
      const address = normalizePciAddress(device[1]!)!;
      current = {
        address,
        className: device[2]!,
        classCode: device[3]!.toLowerCase(),
        name: device[4]!,
        vendorId: device[5]!.toLowerCase(),
        deviceId: device[6]!.toLowerCase(),
        modules: [],
      };
      devices.set(address, current);
      continue;
    }
    if (!current || !/^\s/.test(line)) {
      // A non-indented line that is not a device line ends the current device (e.g. a prompt).
      if (line.trim() !== '' && !/^\s/.test(line)) current = undefined;
      continue;
    }
    const subsystem = SUBSYSTEM_LINE.exec(line);
    if (subsystem) {
      current.subsystemId = `${subsystem[1]!.toLowerCase()}:${subsystem[2]!.toLowerCase()}`;
      continue;
    }
    const driver = DRIVER_LINE.exec(line);
    if (driver) {
      current.driver = driver[1]!;
      continue;
    }
    const modules = MODULES_LINE.exec(line);
    if (modules)
      current.modules = modules[1]!
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean);
  }
  return [...devices.values()].sort((a, b) => comparePciAddresses(a.address, b.address));
}

/** `vvvv:dddd` of a device. */
export function pciId(device: Pick<PciDevice, 'vendorId' | 'deviceId'>): string {
  return `${device.vendorId}:${device.deviceId}`;
}
