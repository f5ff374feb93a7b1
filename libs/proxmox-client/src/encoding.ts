import { InfraError } from '@infra/core';
import { fillPath } from '@infra/pve-api';
import type { ProxmoxErrorCode } from './errors';

/**
 * Request encoding as pve-http-server expects it: GET/DELETE parameters in the query string, POST/PUT in an
 * `application/x-www-form-urlencoded` body. Booleans become 1/0 (form booleans other than 1/0 are rejected by
 * Proxmox), arrays become repeated keys (how `map=…&map=…` reaches array parameters), undefined is left out.
 */
export type ParamValue = string | number | boolean | readonly (string | number)[] | null | undefined;
export type RequestParams = Readonly<Record<string, ParamValue>>;

export function encodeScalar(name: string, value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new InfraError<ProxmoxErrorCode>(
        'PVE_PARAMETER_INVALID',
        `parameter ${name} is not a finite number: ${value}`,
      );
    }
    return String(value);
  }
  return value;
}

export function encodeForm(params: RequestParams): URLSearchParams {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) {
      for (const item of value) form.append(name, encodeScalar(name, item));
    } else if (typeof value === 'object') {
      throw new InfraError<ProxmoxErrorCode>(
        'PVE_PARAMETER_INVALID',
        `parameter ${name} is an object; Proxmox takes strings, numbers, booleans or lists`,
        {
          hint: 'encode structured values with encodePropertyString()',
        },
      );
    } else {
      form.append(name, encodeScalar(name, value as string | number | boolean));
    }
  }
  return form;
}

/** What the server will see: each key with its string value, or all values when repeated. */
export function decodeForm(form: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(form.keys())) {
    const all = form.getAll(key);
    out[key] = all.length === 1 ? all[0]! : all;
  }
  return out;
}

/** Separates the path parameters of a template from the rest and fills the template. */
export function splitPathParams(
  template: string,
  params: RequestParams,
): { path: string; rest: RequestParams } {
  const names = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  const pathValues: Record<string, string | number> = {};
  const rest: Record<string, ParamValue> = {};
  for (const [name, value] of Object.entries(params)) {
    if (names.includes(name)) {
      if (typeof value !== 'string' && typeof value !== 'number') {
        throw new InfraError<ProxmoxErrorCode>(
          'PVE_PARAMETER_INVALID',
          `path parameter ${name} of ${template} must be a string or number`,
        );
      }
      pathValues[name] = value;
    } else rest[name] = value;
  }
  for (const name of names) {
    if (pathValues[name] === undefined) {
      throw new InfraError<ProxmoxErrorCode>(
        'PVE_PARAMETER_INVALID',
        `path parameter ${name} of ${template} is missing`,
      );
    }
  }
  return { path: fillPath(template, pathValues), rest };
}

export const sendsBody = (method: string) => method === 'POST' || method === 'PUT';
