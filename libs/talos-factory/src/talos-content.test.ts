import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkNvidiaExtensions, nvidiaMachineConfigPatch } from './nvidia';
import { parseSchematic, resolveSchematic } from './schematic/schematic';
import { validatePatchFile } from './validate/validate';

// The repository's talos/ content, checked with this library (the pinned version is in infra.config.yaml).
const ROOT = join(import.meta.dirname, '../../..');
const TALOS = join(ROOT, 'talos');
const VERSION = 'v1.13.9';

describe('talos/ content', () => {
  const schematic = resolveSchematic(
    parseSchematic(readFileSync(join(TALOS, 'schematic.yaml'), 'utf8'), 'talos/schematic.yaml'),
  );

  it('schematic: qemu-guest-agent + NVIDIA open production driver + matching toolkit, already in byte order', () => {
    const extensions = schematic.schematic.customization.systemExtensions?.officialExtensions ?? [];
    expect(extensions).toEqual(
      expect.arrayContaining([
        'siderolabs/qemu-guest-agent',
        'siderolabs/nvidia-open-gpu-kernel-modules-production',
        'siderolabs/nvidia-container-toolkit-production',
      ]),
    );
    expect(checkNvidiaExtensions(extensions)).toEqual([]);
    expect(resolveSchematic(schematic.schematic, { sortExtensions: true }).id).toBe(schematic.id);
    expect(schematic.warnings).toEqual([]);
  });

  it.each(readdirSync(join(TALOS, 'patches')).filter((f) => f.endsWith('.yaml')))(
    'patch %s is valid for Talos v1.13.9',
    async (file) => {
      expect(await validatePatchFile(join(TALOS, 'patches', file), VERSION)).toEqual([]);
    },
  );

  it('the installer image in qemu-guest-agent.yaml carries the schematic ID and the pinned version', () => {
    const patch = parse(readFileSync(join(TALOS, 'patches/qemu-guest-agent.yaml'), 'utf8'));
    expect(patch.machine.install.image, `expected schematic ID ${schematic.id}`).toBe(
      `factory.talos.dev/nocloud-installer/${schematic.id}:${VERSION}`,
    );
  });

  it('nvidia.yaml is what the NVIDIA helper generates for the pinned version', () => {
    const patch = parse(readFileSync(join(TALOS, 'patches/nvidia.yaml'), 'utf8'));
    expect([patch]).toEqual(nvidiaMachineConfigPatch(VERSION, { bpfJitHarden: true }).documents);
  });
});
