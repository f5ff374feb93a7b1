/**
 * Shape of the compact parameter table that tools/pve-codegen emits into `generated/endpoints.ts`. It keeps
 * only what request validation needs from the official schema (no descriptions), so the simulator and the
 * client validate against the same facts without loading the 1 MB schema.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export type ParamType = 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object';

export interface ParamSpec {
  type: ParamType;
  optional?: true;
  default?: string | number | boolean;
  enum?: readonly string[];
  /** The dump has `"enum": null`: Perl computed the list at runtime, so any value passes the schema check. */
  enumUnknown?: true;
  /** A JavaScript regular expression source; Proxmox anchors it, so it must match the whole value. */
  pattern?: string;
  /** A named format such as `pve-vmid` or `pve-node` (checked by `formats.ts`). */
  format?: string;
  /** Key into `PROPERTY_STRING_FORMATS` when the value is a comma-separated `k=v` property string. */
  propertyString?: string;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  minLength?: number;
  typetext?: string;
  /** Another parameter that must be present whenever this one is. */
  requires?: string;
  /** For `name[n]` entries: the concrete names are `name0` … `name<max>`. */
  indexed?: { max: number };
  items?: ParamSpec;
}

/** One key of a property string: a normal key, or an alias for another key. */
export type PropertyStringKey =
  | (ParamSpec & { defaultKey?: true })
  | {
      /** `volume=x` means `file=x`. */
      alias: string;
      /** `virtio=MAC` in net[n] means `model=virtio,macaddr=MAC`: the key itself is the value of `keyAlias`. */
      keyAlias?: string;
    };

export interface PropertyStringFormat {
  keys: Readonly<Record<string, PropertyStringKey>>;
  /**
   * `schema`: the sub-schema is inline in the official dump. `typetext`: the dump only names a registered
   * Perl format (e.g. `pve-qm-hostpci`), so the keys were derived from its typetext; values are checked
   * less strictly there.
   */
  source: 'schema' | 'typetext';
}

/** Proxmox permission check expressions, as dumped: `['perm', path, [privs], 'any', 1]`, `['and', …]`, … */
export type PermissionCheck = readonly unknown[];

export interface PermissionSpec {
  check?: PermissionCheck;
  user?: string;
  /** Only kept when there is no machine-readable `check` (the handler checks in code). */
  description?: string;
}

export interface MethodSpec {
  /** The Perl handler name, e.g. `create_vm`. */
  name: string;
  allowtoken: boolean;
  protected?: true;
  proxyto?: string;
  permissions: PermissionSpec;
  params: Readonly<Record<string, ParamSpec>>;
}

export type EndpointTable = Readonly<Record<string, Readonly<Partial<Record<HttpMethod, MethodSpec>>>>>;
