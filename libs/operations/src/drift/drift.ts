import type { Environment } from '@infra/config';
import type { Logger } from '@infra/core';
import { compareDrift, type DesiredState, type DriftItem, driftExitCode } from './compare';

export interface DriftOptions {
  environment: Environment;
  /** OS → wanted fingerprint tag (the script computes the Talos one with @infra/deploy's talosTemplate). */
  templates: Readonly<Record<string, string>>;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
}

export interface DriftReport {
  environment: string;
  items: DriftItem[];
  exitCode: 0 | 2;
}

const tagsOf = (value: unknown) => (typeof value === 'string' ? value.split(/[;,\s]+/).filter(Boolean) : []);

/** Reads the cluster (GETs only) and compares it with the environment's desired state. Errors throw (exit 1). */
export async function runDrift(options: DriftOptions): Promise<DriftReport> {
  const { environment } = options;
  const { connectProxmox } = await import('@infra/proxmox-connect');
  const connection = await connectProxmox(environment, {
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.env ? { env: options.env } : {}),
    retry: { getAttempts: 2 },
  });
  try {
    const [resources, mappings] = await Promise.all([
      connection.client.clusterResources('vm'),
      connection.client.pciMappings(),
    ]);
    const desired: DesiredState = {
      templates: options.templates,
      vmidRange: environment.templates.vmidRange,
      mapping: { id: environment.gpu.mapping, node: environment.proxmox.node },
    };
    const mapping = mappings.find((m) => m.id === environment.gpu.mapping);
    const items = compareDrift(desired, {
      vms: resources
        .filter((r) => r.type === 'qemu' && typeof r.vmid === 'number')
        .map((r) => ({
          vmid: r.vmid as number,
          name: typeof r.name === 'string' ? r.name : '',
          node: String(r.node),
          tags: tagsOf(r.tags),
          template: Boolean(r.template),
        })),
      ...(mapping ? { mapping: { map: mapping.map } } : {}),
    });
    return { environment: environment.name, items, exitCode: driftExitCode(items) as 0 | 2 };
  } finally {
    await connection.close();
  }
}
