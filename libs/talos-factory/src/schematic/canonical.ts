import { createHash } from 'node:crypto';
import { emitDocument, type YamlNode } from '../go-yaml/emit';
import { sortKeysNaturally } from '../go-yaml/key-order';
import { formatGoFloat } from '../go-yaml/resolve';
import { GoFloat, GoTimestamp, type OptionValue, type Schematic } from './model';

/**
 * The factory's canonical form of a schematic: go-yaml's Marshal of the Go struct. Keys in struct order,
 * empty values omitted (`omitempty`), `customization` always present, overlay options in go-yaml's natural key
 * order, 4-space indent. The schematic ID is the sha256 of these bytes.
 */
type Entries = Array<readonly [string, YamlNode]>;

const str = (value: string): YamlNode => ({ kind: 'string', value });
const list = (values: readonly string[]): YamlNode => ({ kind: 'seq', items: values.map(str) });

function optionNode(value: OptionValue): YamlNode {
  if (value === null) return { kind: 'raw', text: 'null' };
  if (typeof value === 'boolean') return { kind: 'raw', text: String(value) };
  if (typeof value === 'string') return str(value);
  if (typeof value === 'bigint') return { kind: 'raw', text: value.toString() };
  if (typeof value === 'number') {
    return { kind: 'raw', text: Number.isInteger(value) ? value.toFixed(0) : formatGoFloat(value) };
  }
  if (value instanceof GoFloat) return { kind: 'raw', text: formatGoFloat(value.value) };
  if (value instanceof GoTimestamp) return { kind: 'raw', text: value.rfc3339 };
  if (Array.isArray(value)) return { kind: 'seq', items: value.map(optionNode) };
  return optionsMap(value);
}

function optionsMap(map: { [key: string]: OptionValue }): YamlNode {
  const entries = sortKeysNaturally(Object.keys(map)).map((k) => [k, optionNode(map[k] ?? null)] as const);
  return { kind: 'map', entries };
}

function nonEmpty<T>(values: readonly T[] | undefined): values is readonly T[] {
  return values !== undefined && values.length > 0;
}

export function canonicalNode(schematic: Schematic): Extract<YamlNode, { kind: 'map' }> {
  const root: Entries = [];
  if (schematic.owner) root.push(['owner', str(schematic.owner)]);

  const overlay = schematic.overlay;
  const options = overlay?.options;
  const hasOptions = options !== undefined && Object.keys(options).length > 0;
  if (overlay && (overlay.image || overlay.name || hasOptions)) {
    const entries: Entries = [
      ['image', str(overlay.image ?? '')],
      ['name', str(overlay.name ?? '')],
    ];
    if (hasOptions) entries.push(['options', optionsMap(options)]);
    root.push(['overlay', { kind: 'map', entries }]);
  }

  const c = schematic.customization ?? {};
  const custom: Entries = [];
  if (c.embeddedMachineConfiguration)
    custom.push(['embeddedMachineConfiguration', str(c.embeddedMachineConfiguration)]);
  if (nonEmpty(c.extraKernelArgs)) custom.push(['extraKernelArgs', list(c.extraKernelArgs)]);
  if (nonEmpty(c.meta)) {
    const items: YamlNode[] = c.meta.map((m) => ({
      kind: 'map',
      entries: [
        ['key', { kind: 'raw', text: String(m.key) }],
        ['value', str(m.value)],
      ],
    }));
    custom.push(['meta', { kind: 'seq', items }]);
  }
  const extensions = c.systemExtensions?.officialExtensions;
  if (nonEmpty(extensions)) {
    custom.push(['systemExtensions', { kind: 'map', entries: [['officialExtensions', list(extensions)]] }]);
  }
  if (c.bootloader && c.bootloader !== 'none') custom.push(['bootloader', str(c.bootloader)]);
  const sb: Entries = [];
  if (c.secureboot?.enrollKeys) sb.push(['enrollKeys', str(c.secureboot.enrollKeys)]);
  if (c.secureboot?.includeWellKnownCertificates)
    sb.push(['includeWellKnownCertificates', { kind: 'raw', text: 'true' }]);
  if (sb.length > 0) custom.push(['secureboot', { kind: 'map', entries: sb }]);
  if (c.diskImage?.sectorSize) {
    custom.push([
      'diskImage',
      { kind: 'map', entries: [['sectorSize', { kind: 'raw', text: String(c.diskImage.sectorSize) }]] },
    ]);
  }
  root.push(['customization', { kind: 'map', entries: custom }]);
  return { kind: 'map', entries: root };
}

/** The canonical YAML bytes the factory hashes (UTF-8, ends with a newline). */
export function canonicalSchematicYaml(schematic: Schematic): string {
  return emitDocument(canonicalNode(schematic));
}

/** Offline schematic ID: lowercase hex sha256 of the canonical YAML. */
export function schematicIdOf(canonicalYaml: string): string {
  return createHash('sha256').update(canonicalYaml, 'utf8').digest('hex');
}
