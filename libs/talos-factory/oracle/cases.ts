/**
 * Inputs for the go-yaml oracle (./main.go). `pnpm tsx libs/talos-factory/oracle/generate.ts` runs them through
 * the oracle and writes ../src/schematic/oracle-vectors.json, which the unit tests replay against the TypeScript
 * encoder. The list covers every quoting and ordering rule in the reference plus a seeded random sample.
 */
export interface OracleCase {
  name: string;
  input: string;
}

// Raw U+0085/U+2028/U+2029 are line breaks to go-yaml's reader (YAML 1.1) but not to JSON, so they are sent
// escaped; raw ones in schematic text are rejected by the TypeScript parser instead.
const j = (value: unknown) =>
  JSON.stringify(value).replace(
    /[\u0085\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

/** Strings that exercise go-yaml's scalar styles. */
export const SCALAR_SAMPLES: readonly string[] = [
  'vga=791',
  'console=ttyS0,115200',
  '-console',
  '2001:db8::1',
  'a,b',
  'ünï',
  'true',
  'True',
  'FALSE',
  '123',
  '-12',
  '+7',
  '',
  'null',
  'Null',
  '~',
  '1.5',
  '0x1f',
  '0o17',
  '0b101',
  '0777',
  '08',
  '1_000',
  '1e3',
  '1e400',
  '.5',
  '.5_0',
  '.inf',
  '-.Inf',
  '.nan',
  '-0',
  '-0.0',
  '+.inf',
  'tab\there',
  'y',
  'Y',
  'n',
  'yes',
  'Yes',
  'NO',
  'on',
  'Off',
  'OFF',
  'no',
  ' lead',
  'trail ',
  '[x]',
  '*a',
  '!t',
  '%p',
  '@x',
  '`x',
  '#x',
  '-',
  '- x',
  '?',
  '? x',
  ':',
  ': x',
  'a: b',
  'x: ',
  '{}',
  'a #b',
  'a#b',
  '---',
  '...',
  '--- x',
  'a---',
  '<<',
  '<',
  '1:30',
  '1:30:00',
  '-1:30',
  '190:20:30.15',
  '12:70',
  '2024-01-02',
  '2024-1-2',
  '2024-02-30',
  '2024-01-02T10:00:00Z',
  '2024-01-02t10:00:00Z',
  '2024-01-02 10:00:00',
  '2024-01-02T10:00:00',
  '2024-01-02T10:00:00.5+02:00',
  '9999-12-31',
  '20240-01-01',
  'a\u0085b',
  'bell\u0007',
  'nul\u0000x',
  'é',
  '\u00a0nbsp',
  'emoji😀',
  'bom\ufeffx',
  'cr\rx',
  'x\u2028y',
  'quote"s',
  "it's",
  'back\\slash',
  'a,b,c',
  'a]',
  'a}',
  'a[b',
  '&anchor',
  'foo: bar: baz',
  'k=v k2=v2',
  'x'.repeat(400),
  `${'word '.repeat(90)}end`,
  '9223372036854775807',
  '9223372036854775808',
  '18446744073709551615',
  '18446744073709551616',
  '-9223372036854775809',
  '+0x10',
  '-0b11',
  '0X1F',
  '1__0',
  '0x',
  '00',
  '-00',
  '0.',
  '1.e5',
  '1e',
  'e1',
  '+',
  '+.5',
  '.e1',
  '._5',
  'infinity',
  'NaN',
  'TRUE ',
  '=',
  '|',
  '>',
  '"',
  "'",
  '>x',
  '|x',
  'a\tb',
  '\t',
  'x\n',
  'line1\nline2',
  'line1\nline2\n',
  'line1\n\n',
  '\nlead',
  ' \nx',
  'a \nb',
  'a\n b',
  '\n',
  '\n\n',
  ' ',
  '  ',
  'multi\nline\nwith: colon\n',
  'a\r\nb',
  'x\n\ty',
  'key:value',
  'http://x/y?z=1#f',
];

export function staticCases(): OracleCase[] {
  const cases: OracleCase[] = [
    { name: 'empty object', input: '{}' },
    { name: 'empty text', input: '' },
    { name: 'customization empty', input: 'customization: {}' },
    { name: 'empty kernel args', input: j({ customization: { extraKernelArgs: [] } }) },
    { name: 'config1', input: j({ customization: { extraKernelArgs: ['noapic', 'nolapic'] } }) },
    {
      name: 'config1 + empty ext',
      input: j({ customization: { extraKernelArgs: ['noapic', 'nolapic'], systemExtensions: {} } }),
    },
    {
      name: 'meta',
      input: j({
        customization: { meta: [{ key: 10, value: 'foo' }], extraKernelArgs: [], systemExtensions: {} },
      }),
    },
    { name: 'meta hex key', input: 'customization:\n  meta:\n    - key: 0xa\n      value: foo\n' },
    { name: 'meta key 255', input: 'customization:\n  meta:\n    - key: 255\n      value: "x"\n' },
    { name: 'meta key 256', input: 'customization:\n  meta:\n    - key: 256\n      value: x\n' },
    { name: 'meta key quoted', input: 'customization:\n  meta:\n    - key: "10"\n      value: x\n' },
    { name: 'meta key float', input: 'customization:\n  meta:\n    - key: 10.0\n      value: x\n' },
    { name: 'meta key negative', input: 'customization:\n  meta:\n    - key: -1\n      value: x\n' },
    { name: 'meta missing key', input: 'customization:\n  meta:\n    - value: x\n' },
    { name: 'meta missing value', input: 'customization:\n  meta:\n    - key: 3\n' },
    { name: 'meta null item', input: 'customization:\n  meta:\n    - null\n    - key: 1\n      value: a\n' },
    { name: 'meta multiline value', input: j({ customization: { meta: [{ key: 12, value: 'a\nb\n' }] } }) },
    { name: 'meta numeric value', input: 'customization:\n  meta:\n    - key: 1\n      value: 1.50\n' },
    { name: 'overlay', input: j({ overlay: { name: 'rpi_generic', image: 'siderolabs/sbc-raspberrypi' } }) },
    {
      name: 'overlay + customization',
      input: j({ overlay: { name: 'rpi_generic', image: 'siderolabs/sbc-raspberrypi' }, customization: {} }),
    },
    { name: 'overlay options only', input: j({ overlay: { options: { a: 1 } } }) },
    { name: 'overlay empty', input: j({ overlay: { image: '', name: '', options: {} } }) },
    {
      name: 'overlay option key order',
      input: j({
        overlay: {
          image: 'i',
          name: 'n',
          options: Object.fromEntries(
            ['t', 's', 'nested', 'n', 'f', 'b10c', 'b2c', 'a10', 'a9', 'a', 'Z', 'B', '10', '2', '_x'].map(
              (k, i) => [k, i],
            ),
          ),
        },
      }),
    },
    {
      name: 'overlay nested',
      input:
        'overlay:\n  image: i\n  name: n\n  options:\n    nested:\n      z: 1\n      a: [1, two, {x: y}]\n      e: {}\n      l: []\n    list:\n      - a\n      - b: c\n        a: d\n      - [x, y]\n',
    },
    {
      name: 'overlay values',
      input:
        'overlay:\n  name: n\n  options:\n    f1: 1.50\n    f2: 1.0\n    f3: 1e6\n    f4: 123456.0\n    f5: 0.00001\n    f6: 0.0001\n    f7: -0\n    f8: .inf\n    f9: .nan\n    i1: 0x1f\n    i2: 9223372036854775808\n    i3: 1_000\n    b1: yes\n    b2: true\n    n1: null\n    n2:\n    s1: "true"\n    s2: \'yes\'\n    t1: 2024-01-02\n    t2: 2024-01-02 10:00:00\n    t3: 2024-01-02T10:00:00.500+02:00\n    t4: 2024-01-02T10:00:00+00:00\n    s3: "multi\\nline"\n    i4: 12345678901234567890\n    f10: 1.7976931348623157e308\n    f11: 5e-324\n    f12: 123456789.125\n',
    },
    {
      name: 'overlay top-level numeric keys',
      input: 'overlay:\n  name: n\n  options:\n    1: a\n    true: b\n    1.5: c\n',
    },
    {
      name: 'overlay key quoting',
      input: j({
        overlay: { name: 'n', options: { 'a b': 1, 'a: b': 2, yes: 3, '': 4, '-': 5, 'x\ny': 6, ' s': 7 } },
      }),
    },
    {
      name: 'secureboot',
      input: j({ customization: { secureboot: { includeWellKnownCertificates: true } } }),
    },
    {
      name: 'secureboot false',
      input: j({ customization: { secureboot: { includeWellKnownCertificates: false } } }),
    },
    {
      name: 'secureboot yes',
      input: 'customization:\n  secureboot:\n    includeWellKnownCertificates: yes\n',
    },
    {
      name: 'secureboot quoted true',
      input: 'customization:\n  secureboot:\n    includeWellKnownCertificates: "true"\n',
    },
    {
      name: 'secureboot enroll',
      input: j({
        customization: { secureboot: { enrollKeys: 'if-safe', includeWellKnownCertificates: true } },
      }),
    },
    { name: 'secureboot enroll off', input: j({ customization: { secureboot: { enrollKeys: 'off' } } }) },
    { name: 'bootloader sd-boot', input: j({ customization: { bootloader: 'sd-boot' } }) },
    { name: 'bootloader upper', input: j({ customization: { bootloader: 'GRUB' } }) },
    { name: 'bootloader none', input: j({ customization: { bootloader: 'none' } }) },
    { name: 'bootloader auto', input: j({ customization: { bootloader: 'auto' } }) },
    { name: 'disk sector', input: j({ customization: { diskImage: { sectorSize: 4096 } } }) },
    { name: 'disk sector zero', input: j({ customization: { diskImage: { sectorSize: 0 } } }) },
    { name: 'owner', input: j({ owner: 'acme', customization: {} }) },
    {
      name: 'embedded config',
      input: j({
        customization: { embeddedMachineConfiguration: 'machine:\n  install:\n    disk: /dev/sda\n' },
      }),
    },
    {
      name: 'embedded config no newline',
      input: j({ customization: { embeddedMachineConfiguration: 'machine:\n  type: worker' } }),
    },
    {
      name: 'embedded config leading space',
      input: j({ customization: { embeddedMachineConfiguration: '  indented\nnext\n' } }),
    },
    { name: 'embedded config keep', input: j({ customization: { embeddedMachineConfiguration: 'a\n\n' } }) },
    {
      name: 'embedded config single line',
      input: j({ customization: { embeddedMachineConfiguration: 'version: v1alpha1' } }),
    },
    {
      name: 'everything',
      input: j({
        owner: 'o',
        overlay: { image: 'siderolabs/sbc-rockchip', name: 'rock5b', options: { configTxt: 'x=1\n' } },
        customization: {
          embeddedMachineConfiguration: 'a: b\n',
          extraKernelArgs: ['-console', 'console=tty0'],
          meta: [{ key: 0xc, value: 'v' }],
          systemExtensions: { officialExtensions: ['siderolabs/b', 'siderolabs/a'] },
          bootloader: 'dual-boot',
          secureboot: { enrollKeys: 'force', includeWellKnownCertificates: true },
          diskImage: { sectorSize: 512 },
        },
      }),
    },
    {
      name: 'extensions order',
      input: j({
        customization: {
          systemExtensions: { officialExtensions: ['siderolabs/qemu-guest-agent', 'siderolabs/amd-ucode'] },
        },
      }),
    },
    {
      name: 'extensions dup',
      input: j({
        customization: { systemExtensions: { officialExtensions: ['siderolabs/a', 'siderolabs/a'] } },
      }),
    },
    { name: 'kernel args null item', input: 'customization:\n  extraKernelArgs: [a, null, ~, b]\n' },
    {
      name: 'kernel args scalars',
      input: 'customization:\n  extraKernelArgs: [1.50, true, 0x1f, yes, 2024-01-02, "q"]\n',
    },
    { name: 'kernel args null', input: 'customization:\n  extraKernelArgs:\n' },
    { name: 'kernel args scalar', input: 'customization:\n  extraKernelArgs: abc\n' },
    { name: 'kernel args map item', input: 'customization:\n  extraKernelArgs: [{a: b}]\n' },
    { name: 'unknown top field', input: j({ customisation: {} }) },
    { name: 'unknown nested field', input: j({ customization: { extensions: [] } }) },
    { name: 'unknown secureboot field', input: j({ customization: { secureboot: { foo: 1 } } }) },
    { name: 'customization null', input: 'customization:\n' },
    { name: 'customization list', input: 'customization: []\n' },
    { name: 'top scalar', input: 'hello' },
    { name: 'duplicate key', input: 'customization: {}\ncustomization: {}\n' },
    { name: 'bad yaml', input: 'customization: [\n' },
    { name: 'anchors', input: 'overlay:\n  image: &img siderolabs/x\n  name: *img\n' },
    { name: 'string tag', input: 'customization:\n  extraKernelArgs: [!!str 12]\n' },
  ];
  SCALAR_SAMPLES.forEach((s, i) => {
    cases.push({ name: `kernel arg #${i}`, input: j({ customization: { extraKernelArgs: [s] } }) });
    cases.push({ name: `meta value #${i}`, input: j({ customization: { meta: [{ key: 1, value: s }] } }) });
    cases.push({ name: `option key #${i}`, input: j({ overlay: { name: 'n', options: { [s]: s } } }) });
    cases.push({ name: `embedded #${i}`, input: j({ customization: { embeddedMachineConfiguration: s } }) });
  });
  return cases;
}

/** Deterministic pseudo-random strings (mulberry32) built from characters that matter to YAML. */
export function randomCases(count: number, seed = 20261122): OracleCase[] {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const alphabet = [
    ...'ab0123456789yYnN.-+_:#,[]{}!&*|>\'"%@` \t\n\\=/exXoO~<',
    'é',
    '😀',
    '\u0085',
    '\u2028',
    'ü',
  ];
  const pick = () => alphabet[Math.floor(next() * alphabet.length)] ?? 'a';
  const word = () => Array.from({ length: 1 + Math.floor(next() * 7) }, pick).join('');
  const cases: OracleCase[] = [];
  for (let i = 0; i < count; i++) {
    const kind = Math.floor(next() * 4);
    const w = word();
    const input =
      kind === 0
        ? j({ customization: { extraKernelArgs: [w, word()] } })
        : kind === 1
          ? j({ customization: { meta: [{ key: Math.floor(next() * 256), value: w }] } })
          : kind === 2
            ? j({
                overlay: {
                  name: w,
                  options: Object.fromEntries(Array.from({ length: 4 }, () => [word(), word()])),
                },
              })
            : j({ customization: { embeddedMachineConfiguration: `${w}\n${word()}` } });
    cases.push({ name: `random #${i}`, input });
  }
  return cases;
}
