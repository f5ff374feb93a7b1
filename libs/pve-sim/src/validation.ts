import { type MethodSpec, matchPath, UNKNOWN_ENDPOINT_KEY, validateRequest } from '@infra/pve-api';

/**
 * The seam between the simulator and the official parameter table (`@infra/pve-api`, generated from the
 * PVE 9.0 schema). The simulator never keeps its own copy of the schema: it asks this for the 400 `errors`
 * map and for each endpoint's permission block and token flag.
 */
export interface RequestValidator {
  /** null when Proxmox would accept the parameters (or the table does not carry the endpoint). */
  validate(
    method: string,
    rawPath: string,
    params: Readonly<Record<string, unknown>>,
  ): Record<string, string> | null;
  /** The official method spec (permissions, allowtoken), when the table carries the endpoint. */
  describe(method: string, rawPath: string): Pick<MethodSpec, 'allowtoken' | 'permissions'> | null;
}

export const officialSchemaValidator: RequestValidator = {
  validate(method, rawPath, params) {
    const errors = validateRequest(method, rawPath, params);
    if (errors && UNKNOWN_ENDPOINT_KEY in errors) return null;
    return errors;
  },
  describe(method, rawPath) {
    return matchPath(method, rawPath)?.spec ?? null;
  },
};
