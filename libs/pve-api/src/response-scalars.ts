import { z } from 'zod';

/**
 * Building blocks for the generated response validators. Proxmox serialises from Perl, so a number may come
 * back as a string ("100"), booleans come back as 0/1, and optional fields may be `null`. These accept what a
 * real server sends and hand callers the clean type. Each is one transform rather than a zod union: responses
 * such as /cluster/resources carry thousands of fields, and unions cost several times more per field.
 */
const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export const pveInteger = z.unknown().transform((value, ctx): number => {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && INTEGER.test(value)) return Number(value);
  ctx.addIssue({ code: 'custom', message: `expected an integer, got ${JSON.stringify(value)}` });
  return z.NEVER;
});

export const pveNumber = z.unknown().transform((value, ctx): number => {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && NUMBER.test(value)) return Number(value);
  ctx.addIssue({ code: 'custom', message: `expected a number, got ${JSON.stringify(value)}` });
  return z.NEVER;
});

export const pveBoolean = z.unknown().transform((value, ctx): boolean => {
  if (value === true || value === 1 || value === '1') return true;
  if (value === false || value === 0 || value === '0') return false;
  ctx.addIssue({ code: 'custom', message: `expected 0/1 or a boolean, got ${JSON.stringify(value)}` });
  return z.NEVER;
});

/**
 * A schema enum in a response. Known values keep their literal type for editors, but an unknown value is
 * accepted: a newer server (or a lock type the dump does not list) must not make a read fail.
 */
export function pveEnum<const T extends readonly [string, ...string[]]>(_values: T) {
  return z.string() as unknown as z.ZodType<T[number] | (string & {})>;
}

/** Perl `undef` in an object becomes `null`; drop those keys so optional fields read as absent. */
function withoutNulls(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  for (const key in record) {
    if (record[key] === null) return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== null));
  }
  return value;
}

/** An object whose listed fields are checked; unknown fields pass through (newer servers add fields). */
export function pveObject<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.preprocess(withoutNulls, z.looseObject(shape));
}

export const pveAnyObject = z.record(z.string(), z.unknown());
