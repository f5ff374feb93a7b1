import { describe, expect, it } from 'vitest';
import { sortKeysNaturally } from '../go-yaml/key-order';
import { parseSchematic, resolveSchematic } from './schematic';

const canonical = (text: string, sortExtensions = false) =>
  resolveSchematic(parseSchematic(text), { sortExtensions }).canonical;
const id = (text: string) => resolveSchematic(parseSchematic(text)).id;
const kernelArg = (arg: string) =>
  canonical(JSON.stringify({ customization: { extraKernelArgs: [arg] } }))
    .split('\n')[2]
    ?.slice(10);

// Expected values below are the factory's own test vectors (siderolabs/image-factory
// pkg/schematic/schematic_test.go), the qemu-guest-agent ID the Talos Proxmox guide shows, and the
// canonical-YAML rules of that package's marshalling (see canonical.ts).
describe('schematic ID test vectors', () => {
  it('O1: the default schematic, from every spelling of "empty"', () => {
    for (const input of ['{}', 'customization: {}', 'customization: {"extraKernelArgs": []}', '']) {
      expect(canonical(input)).toBe('customization: {}\n');
      expect(id(input)).toBe('376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba');
    }
  });

  it('P1: qemu-guest-agent', () => {
    const text =
      'customization:\n  systemExtensions:\n    officialExtensions:\n      - siderolabs/qemu-guest-agent\n';
    expect(canonical(text)).toBe(
      'customization:\n    systemExtensions:\n        officialExtensions:\n            - siderolabs/qemu-guest-agent\n',
    );
    expect(id(text)).toBe('ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515');
  });

  it.each([
    [
      '{"customization": {"extraKernelArgs": ["noapic", "nolapic"]}}',
      '9cba8e32753f91a16c1837ab8abf356af021706ef284aef07380780177d9a06c',
    ],
    [
      '{"customization": {"extraKernelArgs": ["noapic", "nolapic"], "systemExtensions": {}}}',
      '9cba8e32753f91a16c1837ab8abf356af021706ef284aef07380780177d9a06c',
    ],
    [
      '{"customization": {"meta": [{"key": 10, "value": "foo"}], "extraKernelArgs": [], "systemExtensions": {}}}',
      'd308a2a5ee2277bed5fbaa104fcbc8d59122abfa737df987a95b4ca763459a7f',
    ],
    [
      '{"overlay": {"name": "rpi_generic", "image": "siderolabs/sbc-raspberrypi"}}',
      'ee21ef4a5ef808a9b7484cc0dda0f25075021691c8c09a276591eedb638ea1f9',
    ],
    [
      '{"overlay": {"name": "rpi_generic", "image": "siderolabs/sbc-raspberrypi"},"customization":{}}',
      'ee21ef4a5ef808a9b7484cc0dda0f25075021691c8c09a276591eedb638ea1f9',
    ],
    [
      '{"customization":{"secureboot": {"includeWellKnownCertificates": true}}}',
      'fa8e05f142a851d3ee568eb0a8e5841eaf6b0ebc8df9a63df16ac5ed2c04f3e6',
    ],
  ])('factory vector %s', (input, expected) => {
    expect(id(input)).toBe(expected);
  });
});

describe('canonicalisation rules', () => {
  it('rule 1: struct key order, not the input order and not alphabetical', () => {
    const text = JSON.stringify({
      customization: {
        diskImage: { sectorSize: 4096 },
        secureboot: { includeWellKnownCertificates: true, enrollKeys: 'force' },
        bootloader: 'sd-boot',
        systemExtensions: { officialExtensions: ['siderolabs/x'] },
        meta: [{ value: 'v', key: 1 }],
        extraKernelArgs: ['a'],
        embeddedMachineConfiguration: 'x: y\n',
      },
      overlay: { options: { k: 'v' }, name: 'n1', image: 'i' },
      owner: 'me',
    });
    const keys = canonical(text)
      .split('\n')
      .filter((l) => /^ {0,8}[a-zA-Z]+:/.test(l))
      .map((l) => l.trim().split(':')[0])
      .filter((k) => k !== 'k' && k !== 'x'); // an option key and a line of the embedded config
    expect(keys).toEqual([
      'owner',
      'overlay',
      'image',
      'name',
      'options',
      'customization',
      'embeddedMachineConfiguration',
      'extraKernelArgs',
      'meta',
      'systemExtensions',
      'officialExtensions',
      'bootloader',
      'secureboot',
      'enrollKeys',
      'includeWellKnownCertificates',
      'diskImage',
      'sectorSize',
    ]);
  });

  it('rule 2: 4-space indent; sequences indented under the key; mapping items continue at dash + 2', () => {
    expect(
      canonical('{"customization": {"extraKernelArgs": ["noapic"], "meta": [{"key": 10, "value": "foo"}]}}'),
    ).toBe(
      'customization:\n    extraKernelArgs:\n        - noapic\n    meta:\n        - key: 10\n          value: foo\n',
    );
  });

  it('rule 3: empty values are dropped; an options-only overlay keeps empty image and name', () => {
    expect(
      canonical(
        '{"customization": {"secureboot": {"includeWellKnownCertificates": false}, "diskImage": {"sectorSize": 0}, "bootloader": "none", "embeddedMachineConfiguration": ""}}',
      ),
    ).toBe('customization: {}\n');
    expect(canonical('{"overlay": {"options": {"a": 1}}}')).toBe(
      'overlay:\n    image: ""\n    name: ""\n    options:\n        a: 1\ncustomization: {}\n',
    );
    expect(canonical('{"overlay": {"image": "", "name": "", "options": {}}}')).toBe('customization: {}\n');
  });

  it('rule 4: meta keys are uint8 (hex re-emits as decimal; >255 and quoted numbers are rejected)', () => {
    expect(canonical('customization:\n  meta:\n    - key: 0xa\n      value: foo\n')).toContain('- key: 10\n');
    expect(() => parseSchematic('customization:\n  meta:\n    - {key: 256, value: x}\n')).toThrow(/0 to 255/);
    expect(() => parseSchematic('customization:\n  meta:\n    - {key: "10", value: x}\n')).toThrow(
      /0 to 255/,
    );
  });

  it('rule 5: bootloader is case-insensitive, none is omitted, auto is rejected', () => {
    expect(canonical('customization: {bootloader: GRUB}')).toBe('customization:\n    bootloader: grub\n');
    expect(id('customization: {bootloader: none}')).toBe(id('{}'));
    expect(() => parseSchematic('customization: {bootloader: auto}')).toThrow(
      /auto does not belong to BootloaderKind/,
    );
  });

  it('rule 6: no sorting or de-duplication unless asked; duplicates warn', () => {
    const text =
      '{"customization":{"systemExtensions":{"officialExtensions":["siderolabs/qemu-guest-agent","siderolabs/amd-ucode","siderolabs/amd-ucode"]}}}';
    const asIs = resolveSchematic(parseSchematic(text));
    const sorted = resolveSchematic(parseSchematic(text), { sortExtensions: true });
    expect(asIs.canonical.indexOf('qemu')).toBeLessThan(asIs.canonical.indexOf('amd-ucode'));
    expect(sorted.canonical.indexOf('amd-ucode')).toBeLessThan(sorted.canonical.indexOf('qemu'));
    expect(sorted.id).not.toBe(asIs.id);
    expect(asIs.canonical.match(/amd-ucode/g)).toHaveLength(2);
    expect(asIs.warnings.join()).toMatch(/duplicate official extensions siderolabs\/amd-ucode/);
    expect(resolveSchematic(parseSchematic('{}')).warnings).toEqual([]);
  });

  it('rule 7: overlay option keys in go-yaml natural order', () => {
    const keys = ['t', 's', 'nested', 'n', 'f', 'b10c', 'b2c', 'a10', 'a9', 'a', 'Z', 'B', '10', '2', '_x'];
    expect(sortKeysNaturally(keys)).toEqual([
      '_x',
      '2',
      '10',
      'B',
      'Z',
      'a',
      'a9',
      'a10',
      'b2c',
      'b10c',
      'f',
      'n',
      'nested',
      's',
      't',
    ]);
    const text = JSON.stringify({
      overlay: { image: 'i', name: 'x', options: Object.fromEntries(keys.map((k) => [k, 1])) },
    });
    expect(canonical(text)).toContain(
      '        _x: 1\n        "2": 1\n        "10": 1\n        B: 1\n        Z: 1\n        a: 1\n        a9: 1\n        a10: 1\n        b2c: 1\n        b10c: 1\n        f: 1\n        \'n\': 1\n        nested: 1\n        s: 1\n        t: 1\n',
    );
  });

  it.each([
    ['vga=791', 'vga=791'],
    ['console=ttyS0,115200', 'console=ttyS0,115200'],
    ['-console', '-console'],
    ['2001:db8::1', '2001:db8::1'],
    ['a,b', 'a,b'],
    ['ünï', 'ünï'],
  ])('rule 8: plain when safe: %s', (arg, expected) => {
    expect(kernelArg(arg)).toBe(expected);
  });

  it.each([
    ['true', '"true"'],
    ['123', '"123"'],
    ['', '""'],
    ['null', '"null"'],
    ['~', '"~"'],
    ['1.5', '"1.5"'],
    ['0x1f', '"0x1f"'],
    ['2024-01-02', '"2024-01-02"'],
    ['tab\there', '"tab\\there"'],
  ])(
    'rule 8: double-quoted when it would read back as another type or has control characters: %s',
    (arg, expected) => {
      expect(kernelArg(arg)).toBe(expected);
    },
  );

  it.each([
    ['y', "'y'"],
    ['n', "'n'"],
    ['yes', "'yes'"],
    ['on', "'on'"],
    [' lead', "' lead'"],
    ['trail ', "'trail '"],
    ['[x]', "'[x]'"],
    ['*a', "'*a'"],
    ['!t', "'!t'"],
    ['%p', "'%p'"],
    ['@x', "'@x'"],
    ['`x', "'`x'"],
    ['#x', "'#x'"],
    ['-', "'-'"],
    ['- x', "'- x'"],
    ['?', "'?'"],
    ['a: b', "'a: b'"],
    ['x: ', "'x: '"],
    ['{}', "'{}'"],
  ])('rule 8: single-quoted for YAML 1.1 booleans and unsafe plain scalars: %s', (arg, expected) => {
    expect(kernelArg(arg)).toBe(expected);
  });

  it('rule 8: multi-line strings are literal blocks 4 past the mapping indent; meta values at column 12', () => {
    expect(
      canonical(
        JSON.stringify({ customization: { embeddedMachineConfiguration: 'machine:\n  type: worker\n' } }),
      ),
    ).toBe('customization:\n    embeddedMachineConfiguration: |\n        machine:\n          type: worker\n');
    expect(canonical(JSON.stringify({ customization: { embeddedMachineConfiguration: 'a\nb' } }))).toBe(
      'customization:\n    embeddedMachineConfiguration: |-\n        a\n        b\n',
    );
    expect(canonical(JSON.stringify({ customization: { meta: [{ key: 12, value: 'a\nb\n' }] } }))).toBe(
      'customization:\n    meta:\n        - key: 12\n          value: |\n            a\n            b\n',
    );
  });

  it('rule 8: no line folding, even for 400+ characters with spaces', () => {
    const long = `${'word '.repeat(90)}end`;
    expect(kernelArg(long)).toBe(long);
  });

  it('rule 9: unknown fields are errors, with the file, line and field', () => {
    expect(() => parseSchematic('customization:\n  extensions: [a]\n', 'talos/schematic.yaml')).toThrow(
      /talos\/schematic\.yaml:2: customization\.extensions: field "extensions" not found in Customization/,
    );
    expect(() => parseSchematic('{"customisation": {}}')).toThrow(
      expect.objectContaining({ code: 'SCHEMATIC_INVALID' }),
    );
  });

  it('overlay option values keep their YAML types (float and bool formatting as Go writes them)', () => {
    expect(
      canonical('overlay:\n  name: x\n  options:\n    a: 1.50\n    b: yes\n    c: 1e6\n    d: 1.0\n'),
    ).toBe(
      'overlay:\n    image: ""\n    name: x\n    options:\n        a: 1.5\n        b: \'yes\'\n        c: 1e+06\n        d: 1\ncustomization: {}\n',
    );
  });

  it('string fields take the source text of any scalar, as Go does', () => {
    expect(canonical('customization:\n  extraKernelArgs: [1.50, true, yes]\n')).toBe(
      'customization:\n    extraKernelArgs:\n        - "1.50"\n        - "true"\n        - \'yes\'\n',
    );
  });
});
