/**
 * What `proxmox-boot-tool status` says about the boot setup (Proxmox VE admin guide, system-booting.adoc
 * "Determine which Bootloader is Used"):
 * - exit 2 with `E: /etc/kernel/proxmox-boot-uuids does not exist.` → the tool manages no ESP (plain GRUB);
 * - exit 0 with `<UUID> is configured with: uefi (versions: …)` lines → systemd-boot;
 * - exit 0 with `… configured with: grub (versions: …)` → GRUB kept in sync by proxmox-boot-tool.
 */
export interface BootToolStatus {
  /** `not-configured`: exit 2 + the missing-uuids message. `not-installed`: exit 127 (command not found). */
  state: 'configured' | 'not-configured' | 'not-installed' | 'unrecognised';
  /** One entry per ESP line; `modes` lists what each ESP is configured with (`uefi`, `grub`, or both). */
  esps: { uuid: string; modes: ('uefi' | 'grub')[] }[];
  /** From `System currently booted with …`. */
  bootedWith?: 'uefi' | 'legacy bios';
}

const ESP_LINE = /^([0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}|[0-9a-fA-F-]{8,})\s+is configured with:\s*(.+)$/;
const BOOTED_LINE = /^System currently booted with (uefi|legacy bios)\s*$/;
const MISSING_UUIDS = /proxmox-boot-uuids does not exist/;

export function parseBootToolStatus(output: string, exitCode: number): BootToolStatus {
  const esps: BootToolStatus['esps'] = [];
  let bootedWith: BootToolStatus['bootedWith'];
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    const booted = BOOTED_LINE.exec(line);
    if (booted) bootedWith = booted[1] as 'uefi' | 'legacy bios';
    const esp = ESP_LINE.exec(line);
    if (esp) {
      const modes = new Set<'uefi' | 'grub'>();
      // `uefi (versions: a, b), grub (versions: c)`: the mode names are the words before each `(versions`.
      for (const match of esp[2]!.matchAll(/\b(uefi|grub)\s*\(versions?:/g))
        modes.add(match[1] as 'uefi' | 'grub');
      esps.push({ uuid: esp[1]!, modes: [...modes].sort() });
    }
  }
  const base = bootedWith ? { esps, bootedWith } : { esps };
  if (exitCode === 127) return { state: 'not-installed', ...base };
  if (exitCode === 2 && MISSING_UUIDS.test(output) && esps.length === 0)
    return { state: 'not-configured', ...base };
  if (exitCode === 0 && esps.length > 0 && esps.every((esp) => esp.modes.length > 0)) {
    return { state: 'configured', ...base };
  }
  return { state: 'unrecognised', ...base };
}
