import { InfraError } from '@infra/core';
import type { PveApiErrorCode } from './error-codes';
import { PROPERTY_STRING_FORMATS } from './generated/endpoints';
import type { PropertyStringTypes } from './generated/requests';
import type { PropertyStringFormat } from './table-types';

/**
 * Proxmox property strings: `local-lvm:0,import-from=local:import/x.qcow2,iothread=1`. The default key (here
 * `file`) is written without `key=`, booleans are 1/0, and values cannot contain commas.
 */
export type PropertyStringScalar = string | number | boolean | null | undefined;
export type PropertyStringFormatName = keyof PropertyStringTypes;

export function toPveBoolean(value: boolean): 0 | 1 {
  return value ? 1 : 0;
}

export function fromPveBoolean(value: unknown): boolean {
  return value === true || value === 1 || value === '1';
}

function resolveFormat(format: string | PropertyStringFormat | undefined): PropertyStringFormat | undefined {
  if (format === undefined || typeof format === 'object') return format;
  const found = PROPERTY_STRING_FORMATS[format];
  if (!found) {
    throw new InfraError<PveApiErrorCode>(
      'PVE_PROPERTY_STRING_FORMAT_UNKNOWN',
      `no property-string format named "${format}"`,
      {
        hint: `known formats: ${Object.keys(PROPERTY_STRING_FORMATS).join(', ')}`,
      },
    );
  }
  return found;
}

export function defaultKeyOf(format: PropertyStringFormat): string | undefined {
  return Object.entries(format.keys).find(([, spec]) => 'defaultKey' in spec && spec.defaultKey)?.[0];
}

/**
 * Without a named format, the default key is the one every format having all the given keys agrees on
 * (e.g. `file` for {file, import-from, iothread}: scsi and virtio both default to `file`). If they disagree,
 * every key is written as `key=value`, which Proxmox always accepts.
 */
function inferDefaultKey(keys: readonly string[]): string | undefined {
  const candidates = Object.values(PROPERTY_STRING_FORMATS).filter((f) =>
    keys.every((k) => Object.hasOwn(f.keys, k)),
  );
  const defaults = new Set(candidates.map(defaultKeyOf));
  if (defaults.size !== 1) return undefined;
  const [only] = defaults;
  return only !== undefined && keys.includes(only) ? only : undefined;
}

function encodeValue(key: string, value: Exclude<PropertyStringScalar, null | undefined>): string {
  const text = typeof value === 'boolean' ? String(toPveBoolean(value)) : String(value);
  if (text.includes(',') || text.includes('\n')) {
    throw new InfraError<PveApiErrorCode>(
      'PVE_PROPERTY_STRING_INVALID',
      `property-string value for "${key}" contains a comma or newline: ${text}`,
      {
        hint: 'Proxmox splits property strings on commas; lists inside a value use ";" (e.g. order=scsi0;ide2)',
      },
    );
  }
  return text;
}

export function encodePropertyString<F extends PropertyStringFormatName>(
  format: F,
  values: PropertyStringTypes[F],
): string;
export function encodePropertyString(values: Readonly<Record<string, PropertyStringScalar>>): string;
export function encodePropertyString(
  formatOrValues: string | Readonly<Record<string, PropertyStringScalar>>,
  maybeValues?: object,
): string {
  const named = typeof formatOrValues === 'string';
  const values = (named ? maybeValues : formatOrValues) as Readonly<Record<string, PropertyStringScalar>>;
  const entries = Object.entries(values).filter(
    (entry): entry is [string, Exclude<PropertyStringScalar, null | undefined>] =>
      entry[1] !== undefined && entry[1] !== null,
  );
  let defaultKey: string | undefined;
  if (named) {
    const format = resolveFormat(formatOrValues)!;
    for (const [key] of entries) {
      if (!Object.hasOwn(format.keys, key)) {
        throw new InfraError<PveApiErrorCode>(
          'PVE_PROPERTY_STRING_INVALID',
          `"${key}" is not a key of the ${formatOrValues} property string`,
          {
            hint: `valid keys: ${Object.keys(format.keys).join(', ')}`,
          },
        );
      }
    }
    defaultKey = defaultKeyOf(format);
  } else {
    defaultKey = inferDefaultKey(entries.map(([k]) => k));
  }
  const parts: string[] = [];
  const first = entries.find(([k]) => k === defaultKey);
  if (first) parts.push(encodeValue(first[0], first[1]));
  for (const [key, value] of entries) if (key !== defaultKey) parts.push(`${key}=${encodeValue(key, value)}`);
  return parts.join(',');
}

export type SplitResult = { ok: true; values: Record<string, string> } | { ok: false; error: string };

/**
 * Splits a property string into raw string values, resolving aliases (`volume=` → `file=`) and key aliases
 * (`virtio=MAC` → model=virtio, macaddr=MAC). Errors use Proxmox's parse_property_string texts.
 */
export function splitPropertyString(text: string, format?: PropertyStringFormat): SplitResult {
  const values: Record<string, string> = {};
  const defaultKey = format ? defaultKeyOf(format) : undefined;
  const set = (key: string, value: string): string | null => {
    if (Object.hasOwn(values, key)) return `duplicate key in comma-separated list property: ${key}`;
    // defineProperty: a `__proto__=x` key must become a key, not replace the object's prototype.
    Object.defineProperty(values, key, { value, enumerable: true, writable: true, configurable: true });
    return null;
  };
  for (const part of text.split(',')) {
    if (part === '') continue;
    const match = /^([^=]+)=(.*)$/.exec(part);
    let error: string | null;
    if (match) {
      let key = match[1]!;
      const value = match[2]!;
      const spec = format && Object.hasOwn(format.keys, key) ? format.keys[key] : undefined;
      if (format && !spec)
        return { ok: false, error: `invalid key in comma-separated list property: ${key}` };
      if (spec && 'alias' in spec) {
        if (spec.keyAlias) {
          error = set(spec.keyAlias, key);
          if (error) return { ok: false, error };
        }
        key = spec.alias;
      }
      error = set(key, value);
    } else {
      if (format && !defaultKey) {
        return { ok: false, error: 'value without key, but schema does not define a default key' };
      }
      error = set(defaultKey ?? '', part);
    }
    if (error) return { ok: false, error };
  }
  return { ok: true, values };
}

/** Parses a property string; with a format, aliases are resolved and unknown keys are an error. */
export function parsePropertyString(
  text: string,
  format?: PropertyStringFormatName | PropertyStringFormat,
): Record<string, string> {
  const result = splitPropertyString(text, resolveFormat(format));
  if (!result.ok) {
    throw new InfraError<PveApiErrorCode>(
      'PVE_PROPERTY_STRING_INVALID',
      `cannot parse property string "${text}": ${result.error}`,
    );
  }
  return result.values;
}
