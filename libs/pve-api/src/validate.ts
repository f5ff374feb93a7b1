import { checkFormat, PROPERTY_KEY_CHECKS } from './formats';
import { PROPERTY_STRING_FORMATS } from './generated/endpoints';
import { lookupParam } from './indexed';
import { matchPath } from './match-path';
import { splitPropertyString } from './property-string';
import type { ParamSpec, PropertyStringFormat } from './table-types';

/**
 * Request validation with the texts of pve-common's JSONSchema.pm, so the simulator answers exactly as
 * Proxmox does (`400 Parameter verification failed.` + `errors`) and tests can check client requests
 * against the official schema.
 */
export type ParamErrors = Record<string, string>;

const NOT_DEFINED = 'property is not defined in schema and the schema does not allow additional properties';
const MISSING = 'property is missing and it is not optional';
const CONFLICT = 'duplicate parameter (already defined in URI) with conflicting values!';
/** Error key used when the method/path itself is unknown (Proxmox: 501). */
export const UNKNOWN_ENDPOINT_KEY = '@endpoint';

const INTEGER = /^-?\d+$/;

const compiled = new Map<string, RegExp>();
/** Proxmox matches `^pattern$`; compiled once per pattern. */
function anchored(pattern: string): RegExp {
  let regex = compiled.get(pattern);
  if (!regex) {
    regex = new RegExp(`^(?:${pattern})$`);
    compiled.set(pattern, regex);
  }
  return regex;
}
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'ARRAY';
  if (value !== null && typeof value === 'object') return 'HASH';
  return String(value);
}

/** Type check; returns the value as Proxmox sees it (a string) or an error text. */
function checkType(spec: ParamSpec, value: unknown): { text: string } | { error: string } {
  const failed = { error: `type check ('${spec.type}') failed - got '${describe(value)}'` };
  switch (spec.type) {
    case 'boolean':
      if (value === true || value === false) return { text: value ? '1' : '0' };
      return value === 1 || value === 0 || value === '1' || value === '0' ? { text: String(value) } : failed;
    case 'integer':
      return (typeof value === 'number' && Number.isInteger(value)) ||
        (typeof value === 'string' && INTEGER.test(value))
        ? { text: String(value) }
        : failed;
    case 'number':
      return (typeof value === 'number' && Number.isFinite(value)) ||
        (typeof value === 'string' && NUMBER.test(value))
        ? { text: String(value) }
        : failed;
    case 'string':
      return typeof value === 'string' || typeof value === 'number' ? { text: String(value) } : failed;
    default:
      return failed;
  }
}

function checkScalar(
  spec: ParamSpec,
  value: unknown,
  path: string,
  keyChecks?: (v: string) => string | null,
): string | null {
  const typed = checkType(spec, value);
  if ('error' in typed) return typed.error;
  const text = typed.text;
  if (spec.format) {
    const error = checkFormat(spec.format, text);
    if (error) return `invalid format - ${error}`;
  }
  if (keyChecks) {
    const error = keyChecks(text);
    if (error) return `invalid format - ${error}`;
  }
  if (spec.propertyString) {
    const error = checkPropertyString(
      PROPERTY_STRING_FORMATS[spec.propertyString]!,
      spec.propertyString,
      text,
      path,
    );
    if (error) return error;
  }
  if (spec.pattern !== undefined && !anchored(spec.pattern).test(text)) {
    return 'value does not match the regex pattern';
  }
  if (spec.maxLength !== undefined && text.length > spec.maxLength) {
    return `value may only be ${spec.maxLength} characters long`;
  }
  if (spec.minLength !== undefined && text.length < spec.minLength) {
    return `value must be at least ${spec.minLength} characters long`;
  }
  if (spec.type === 'integer' || spec.type === 'number') {
    const n = Number(text);
    if (spec.minimum !== undefined && n < spec.minimum)
      return `value must have a minimum value of ${spec.minimum}`;
    if (spec.maximum !== undefined && n > spec.maximum)
      return `value must have a maximum value of ${spec.maximum}`;
  }
  if (spec.enum && !spec.enum.includes(text)) {
    return `value '${text}' does not have a value in the enumeration '${spec.enum.join(', ')}'`;
  }
  return null;
}

/** `invalid format - ...` for parse errors; `invalid format - format error` + one line per bad key otherwise. */
function checkPropertyString(
  format: PropertyStringFormat,
  formatName: string,
  text: string,
  path: string,
): string | null {
  // Proxmox accepts an empty property string (it only parses non-empty values).
  if (text === '') return null;
  const split = splitPropertyString(text, format);
  if (!split.ok) return `invalid format - ${split.error}`;
  const errors: string[] = [];
  const keyChecks = PROPERTY_KEY_CHECKS[formatName];
  for (const [key, spec] of Object.entries(format.keys)) {
    if ('alias' in spec) continue;
    const value = Object.hasOwn(split.values, key) ? split.values[key] : undefined;
    if (value === undefined) {
      if (!spec.optional) errors.push(`${path}.${key}: ${MISSING}`);
      continue;
    }
    const check = keyChecks && Object.hasOwn(keyChecks, key) ? keyChecks[key] : undefined;
    const error = checkScalar(spec, value, `${path}.${key}`, check);
    if (error) errors.push(`${path}.${key}: ${error}`);
  }
  return errors.length > 0 ? `invalid format - format error\n${errors.join('\n')}` : null;
}

function checkParam(spec: ParamSpec, value: unknown, path: string): string | null {
  if (spec.type === 'array') {
    // A single form value for an array parameter arrives as a scalar; repeated keys arrive as an array.
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) {
      const error = checkScalar(spec.items ?? { type: 'string' }, item, path);
      if (error) return error;
    }
    return null;
  }
  if (Array.isArray(value)) return `type check ('${spec.type}') failed - got 'ARRAY'`;
  return checkScalar(spec, value, path);
}

function put(errors: ParamErrors, name: string, message: string): void {
  Object.defineProperty(errors, name, {
    value: message,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/**
 * Validates one request. `path` is the concrete path (`/nodes/pve/qemu/100/config`, with or without
 * `/api2/json`); `params` are the query and body parameters (form strings, JSON values, or arrays for repeated
 * keys). Returns null when Proxmox would accept the request, otherwise the `errors` map of its 400 reply. An
 * unknown method/path gives `{ '@endpoint': "Method 'GET /x' not implemented" }` (Proxmox: 501).
 */
export function validateRequest(
  method: string,
  path: string,
  params: Readonly<Record<string, unknown>>,
): ParamErrors | null {
  const match = matchPath(method, path);
  if (!match) return { [UNKNOWN_ENDPOINT_KEY]: `Method '${method.toUpperCase()} ${path}' not implemented` };
  // Parameter names come from the request: `__proto__` must stay a key (that is then "not defined"), and no
  // lookup may find Object.prototype members, so `all` has no prototype and `errors` is written with put().
  const errors: ParamErrors = {};
  const all: Record<string, unknown> = Object.create(null);
  for (const [name, value] of Object.entries(params)) {
    if (name === '_dc' || value === undefined) continue;
    all[name] = value;
  }
  for (const [name, value] of Object.entries(match.pathParams)) {
    if (Object.hasOwn(all, name) && String(all[name]) !== value) put(errors, name, CONFLICT);
    all[name] = value;
  }
  const specs = match.spec.params;
  for (const [name, value] of Object.entries(all)) {
    if (Object.hasOwn(errors, name)) continue;
    const found = lookupParam(specs, name);
    if (!found) {
      put(errors, name, NOT_DEFINED);
      continue;
    }
    if (value === null) {
      if (!found.spec.optional) put(errors, name, MISSING);
      continue;
    }
    const error = checkParam(found.spec, value, name);
    if (error) put(errors, name, error);
    const requires = found.spec.requires;
    if (
      requires &&
      (all[requires] === undefined || all[requires] === null) &&
      !Object.hasOwn(errors, requires)
    ) {
      put(errors, requires, `missing property - '${name}' requires this property`);
    }
  }
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.optional || spec.indexed || Object.hasOwn(errors, name)) continue;
    if (all[name] === undefined || all[name] === null) put(errors, name, MISSING);
  }
  return Object.keys(errors).length > 0 ? errors : null;
}
