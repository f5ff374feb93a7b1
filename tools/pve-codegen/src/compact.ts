import { InfraError } from '@infra/core';
import type { ParamSpec, ParamType, PropertyStringFormat, PropertyStringKey } from '@infra/pve-api';
import type { CodegenErrorCode } from './error-codes';
import { perlPatternToJs } from './perl-regex';
import type { RawProp } from './schema-source';
import { formatFromTypetext } from './typetext-format';

const PARAM_TYPES: readonly ParamType[] = ['string', 'integer', 'number', 'boolean', 'array', 'object'];

/**
 * Highest index of `name[n]` parameters whose description does not say "(n is 0 to N)". Values are
 * qemu-server's constants: MAX_NETS 32, MAX_HOSTPCI_DEVICES 16, MAX_UNUSED_DISKS 256, MAX_NUMA 8, virtiofs 10.
 */
const INDEX_MAX_FALLBACK: Readonly<Record<string, number>> = {
  net: 31,
  ipconfig: 31,
  hostpci: 15,
  unused: 255,
  numa: 7,
  virtiofs: 9,
  link: 7,
};

/** Value constraints for typetext-derived formats that the typetext only names (qemu-server PCI.pm). */
const TYPETEXT_SUPPLEMENTS: Readonly<Record<string, Readonly<Record<string, Partial<ParamSpec>>>>> = {
  'pve-qm-hostpci': {
    'device-id': { pattern: '0x[0-9a-fA-F]{4}' },
    'vendor-id': { pattern: '0x[0-9a-fA-F]{4}' },
    'sub-device-id': { pattern: '0x[0-9a-fA-F]{4}' },
    'sub-vendor-id': { pattern: '0x[0-9a-fA-F]{4}' },
  },
};

const truthy = (value: unknown) => value === 1 || value === true || value === '1';

function toNumber(value: number | string | undefined, where: string): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n))
    throw new InfraError<CodegenErrorCode>('PVE_SCHEMA_INVALID', `${where}: "${value}" is not a number`);
  return n;
}

export function indexMax(name: string, description: string | undefined): number {
  const base = name.replace(/\[n\]$/, '');
  const upTo = /n can be up to (\d+)/.exec(description ?? '');
  if (upTo) return Number(upTo[1]);
  const range = /\(n is 0 to (\d+)/.exec(description ?? '');
  if (range) return Number(range[1]);
  const fallback = INDEX_MAX_FALLBACK[base];
  if (fallback === undefined) {
    throw new InfraError<CodegenErrorCode>(
      'PVE_SCHEMA_INVALID',
      `cannot tell how many ${name} parameters Proxmox allows`,
      {
        hint: 'add the maximum index to INDEX_MAX_FALLBACK in tools/pve-codegen/src/compact.ts',
      },
    );
  }
  return fallback;
}

/** Collects property-string sub-schemas once each, so the table stores the disk format once, not 12 times. */
export class FormatRegistry {
  readonly formats = new Map<string, PropertyStringFormat>();
  private readonly byContent = new Map<string, string>();

  register(baseName: string, format: PropertyStringFormat): string {
    const content = JSON.stringify(format);
    const known = this.byContent.get(content);
    if (known) return known;
    let name = baseName;
    for (let n = 2; this.formats.has(name); n += 1) name = `${baseName}-${n}`;
    this.formats.set(name, format);
    this.byContent.set(content, name);
    return name;
  }
}

function baseFormatName(paramName: string): string {
  return paramName.replace(/\[n\]$/, '').replace(/\d+$/, '');
}

/** Typetexts that say nothing the other fields do not (kept out to keep the table small). */
function isTrivialTypetext(typetext: string, spec: ParamSpec): boolean {
  if (typetext === `<${spec.type}>`) return true;
  const range = /^<(integer|number)> \((-?[\d.]+|N) - (-?[\d.]+|N)\)$/.exec(typetext);
  return range !== null && range[1] === spec.type;
}

export function compactParam(raw: RawProp, name: string, where: string, registry: FormatRegistry): ParamSpec {
  const type = (raw.type ?? 'string') as ParamType;
  if (!PARAM_TYPES.includes(type)) {
    throw new InfraError<CodegenErrorCode>(
      'PVE_SCHEMA_INVALID',
      `${where}: unsupported parameter type "${raw.type}"`,
    );
  }
  const spec: ParamSpec = { type };
  if (truthy(raw.optional)) spec.optional = true;
  if (raw.default !== undefined && raw.default !== null) {
    const d = raw.default;
    if (typeof d !== 'string' && typeof d !== 'number' && typeof d !== 'boolean') {
      throw new InfraError<CodegenErrorCode>(
        'PVE_SCHEMA_INVALID',
        `${where}: unsupported default ${JSON.stringify(d)}`,
      );
    }
    spec.default = d;
  }
  if (raw.enum === null) spec.enumUnknown = true;
  else if (raw.enum) spec.enum = raw.enum.map(String);
  if (raw.pattern !== undefined) spec.pattern = perlPatternToJs(raw.pattern);
  if (typeof raw.format === 'string') {
    spec.format = raw.format;
    const derived = raw.typetext ? formatFromTypetext(raw.typetext, TYPETEXT_SUPPLEMENTS[raw.format]) : null;
    if (derived) spec.propertyString = registry.register(raw.format, derived);
  } else if (raw.format) {
    spec.propertyString = registry.register(baseFormatName(name), compactFormat(raw.format, where, registry));
  }
  const numbers = ['minimum', 'maximum', 'maxLength', 'minLength'] as const;
  for (const key of numbers) {
    const n = toNumber(raw[key], `${where}.${key}`);
    if (n !== undefined) spec[key] = n;
  }
  if (raw.typetext !== undefined && !isTrivialTypetext(raw.typetext, spec)) spec.typetext = raw.typetext;
  if (raw.requires !== undefined) spec.requires = raw.requires;
  if (name.endsWith('[n]')) spec.indexed = { max: indexMax(name, raw.description) };
  if (raw.items) spec.items = compactParam(raw.items, name, `${where}.items`, registry);
  return spec;
}

function compactFormat(
  raw: Record<string, RawProp>,
  where: string,
  registry: FormatRegistry,
): PropertyStringFormat {
  const keys: Record<string, PropertyStringKey> = {};
  for (const name of Object.keys(raw).sort()) {
    const key = raw[name]!;
    if (key.alias !== undefined) {
      keys[name] =
        key.keyAlias === undefined ? { alias: key.alias } : { alias: key.alias, keyAlias: key.keyAlias };
      continue;
    }
    const spec: ParamSpec & { defaultKey?: true } = compactParam(key, name, `${where}.${name}`, registry);
    if (truthy(key.default_key)) spec.defaultKey = true;
    keys[name] = spec;
  }
  return { keys, source: 'schema' };
}
