import { InfraError } from '@infra/core';
import type { ConfigErrorCode } from './error-codes';
import { isPlainObject, type Provenance } from './merge';
import type { ResolvedEnvironment } from './resolve';

/**
 * The part of an environment one component reads, with the layer each value came from.
 * Components: `talos`, each key of `images` (debian, ...), and the sections `proxmox`, `templates`, `gpu`,
 * `secrets`. A Terraform module reads the `proxmox` section.
 */
export interface DescribedValue {
  path: string;
  value: unknown;
  from: string;
}

const SECTIONS = ['proxmox', 'templates', 'gpu', 'secrets'] as const;
const MODULE_SECTIONS: Record<string, string> = { 'proxmox-vm': 'proxmox' };

export function describeComponent(resolved: ResolvedEnvironment, component: string): DescribedValue[] {
  const env = resolved.environment;
  const section = Object.hasOwn(MODULE_SECTIONS, component) ? MODULE_SECTIONS[component]! : component;
  let root: string;
  if (section === 'talos' || (SECTIONS as readonly string[]).includes(section)) root = section;
  else if (Object.hasOwn(env.images, section)) root = `images.${section}`;
  else {
    const known = ['talos', ...Object.keys(env.images), ...SECTIONS, ...Object.keys(MODULE_SECTIONS)];
    throw new InfraError<ConfigErrorCode>(
      'CONFIG_UNKNOWN_COMPONENT',
      `environment "${env.name}" has no component "${component}"`,
      {
        hint: `known components: ${known.join(', ')}`,
      },
    );
  }
  const value = root
    .split('.')
    .reduce<unknown>(
      (node, key) => (isPlainObject(node) && Object.hasOwn(node, key) ? node[key] : undefined),
      env,
    );
  return flatten(value, root, resolved.provenance);
}

export function formatDescribed(values: readonly DescribedValue[]): string {
  const width = Math.max(...values.map((v) => v.path.length));
  return values.map((v) => `${v.path.padEnd(width)}  ${JSON.stringify(v.value)}  ← ${v.from}`).join('\n');
}

function flatten(value: unknown, path: string, provenance: Provenance): DescribedValue[] {
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    return Object.entries(value).flatMap(([key, child]) => flatten(child, `${path}.${key}`, provenance));
  }
  return [
    { path, value, from: (Object.hasOwn(provenance, path) ? provenance[path] : undefined) ?? 'default' },
  ];
}
