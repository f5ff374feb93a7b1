import { z } from 'zod';

/**
 * Building blocks for the generated response validators. Proxmox serialises from Perl, so a number may come
 * back as a string ("100"), booleans come back as 0/1, and optional fields may be `null`. These accept what a
 * real server sends and hand callers the clean type.
 */
export const pveInteger = z.union([
  z.number().int(),
  z
    .string()
    .regex(/^[+-]?\d+$/, 'expected an integer')
    .transform((value) => Number(value)),
]);

export const pveNumber = z.union([
  z.number(),
  z
    .string()
    .regex(/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/, 'expected a number')
    .transform((value) => Number(value)),
]);

export const pveBoolean = z
  .union([z.boolean(), z.literal(0), z.literal(1), z.literal('0'), z.literal('1')])
  .transform((value) => value === true || value === 1 || value === '1');

/** Perl `undef` in an object becomes `null`; drop those keys so optional fields read as absent. */
function withoutNulls(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null));
}

/** An object whose listed fields are checked; unknown fields pass through (newer servers add fields). */
export function pveObject<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.preprocess(withoutNulls, z.looseObject(shape));
}

export const pveAnyObject = z.record(z.string(), z.unknown());

/**
 * A schema enum in a response. Known values keep their literal type for editors, but an unknown value is
 * accepted: a newer server (or a lock type the dump does not list) must not make a read fail.
 */
export function pveEnum<const T extends readonly [string, ...string[]]>(values: T) {
  return z.union([z.enum(values), z.string()]) as unknown as z.ZodType<T[number] | (string & {})>;
}
