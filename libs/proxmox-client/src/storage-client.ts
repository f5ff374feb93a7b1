import type { PveRequestParams as P, PveResponses as R } from '@infra/pve-api';
import { z } from 'zod';
import { PveServerError } from './errors';
import { PveTaskRunner, RECONCILED_UPID, type TaskCallOptions } from './task-runner';
import type { TaskOutcome } from './tasks';
import { parseUpid } from './upid';

export type Without<T, K extends keyof T> = Omit<T, K>;

const pciMapping = z.looseObject({
  id: z.string().optional(),
  map: z.array(z.string()).optional(),
  digest: z.string().optional(),
  description: z.string().optional(),
});
export type PciMapping = z.infer<typeof pciMapping>;

const sameList = (a: readonly string[] | undefined, b: readonly string[]) =>
  a !== undefined && a.length === b.length && [...a].sort().every((v, i) => v === [...b].sort()[i]);

/** Inventory, storage and PCI-mapping methods of the client (split from ProxmoxClient to keep files small). */
export class PveStorageClient extends PveTaskRunner {
  // ── inventory ────────────────────────────────────────────────────────────────────────────────────────
  version(): Promise<R['GET /version']> {
    return this.call('GET /version', {});
  }

  nodes(): Promise<R['GET /nodes']> {
    return this.call('GET /nodes', {});
  }

  clusterResources(type?: P['GET /cluster/resources']['type']): Promise<R['GET /cluster/resources']> {
    return this.call('GET /cluster/resources', type ? { type } : {});
  }

  /** The next free VM id (not reserved: creating with it can still race; create reports "already exists"). */
  nextId(vmid?: number): Promise<number> {
    return this.call('GET /cluster/nextid', vmid === undefined ? {} : { vmid });
  }

  /** The node's network interfaces; `type: 'any_bridge'` for the bridges VM NICs can attach to. */
  networkInterfaces(
    node: string,
    type?: P['GET /nodes/{node}/network']['type'],
  ): Promise<R['GET /nodes/{node}/network']> {
    return this.call('GET /nodes/{node}/network', type ? { node, type } : { node });
  }

  permissions(params: P['GET /access/permissions'] = {}): Promise<R['GET /access/permissions']> {
    return this.call('GET /access/permissions', params);
  }

  // ── storage ──────────────────────────────────────────────────────────────────────────────────────────
  storages(): Promise<R['GET /storage']> {
    return this.call('GET /storage', {});
  }

  storageConfig(storage: string): Promise<R['GET /storage/{storage}']> {
    return this.call('GET /storage/{storage}', { storage });
  }

  updateStorage(
    storage: string,
    params: Without<P['PUT /storage/{storage}'], 'storage'>,
  ): Promise<R['PUT /storage/{storage}']> {
    return this.call('PUT /storage/{storage}', { ...params, storage });
  }

  nodeStorages(
    node: string,
    params: Without<P['GET /nodes/{node}/storage'], 'node'> = {},
  ): Promise<R['GET /nodes/{node}/storage']> {
    return this.call('GET /nodes/{node}/storage', { ...params, node });
  }

  storageStatus(node: string, storage: string): Promise<R['GET /nodes/{node}/storage/{storage}/status']> {
    return this.call('GET /nodes/{node}/storage/{storage}/status', { node, storage });
  }

  storageContent(
    node: string,
    storage: string,
    params: Without<P['GET /nodes/{node}/storage/{storage}/content'], 'node' | 'storage'> = {},
  ): Promise<R['GET /nodes/{node}/storage/{storage}/content']> {
    return this.call('GET /nodes/{node}/storage/{storage}/content', { ...params, node, storage });
  }

  volumeInfo(
    node: string,
    storage: string,
    volume: string,
  ): Promise<R['GET /nodes/{node}/storage/{storage}/content/{volume}']> {
    return this.call('GET /nodes/{node}/storage/{storage}/content/{volume}', { node, storage, volume });
  }

  /** Deletes a volume (e.g. a downloaded image). Gone after a lost reply = done. */
  async deleteVolume(
    node: string,
    storage: string,
    volume: string,
    options: TaskCallOptions = {},
  ): Promise<TaskOutcome> {
    return this.runTask(
      'DELETE /nodes/{node}/storage/{storage}/content/{volume}',
      { node, storage, volume },
      node,
      {
        ...options,
        fallbackType: 'imgdel',
        reconcile: async () => {
          try {
            await this.volumeInfo(node, storage, volume);
            return { done: false };
          } catch (error) {
            if (PveStorageClient.isNotFound(error)) return { done: true, value: RECONCILED_UPID };
            throw error;
          }
        },
      },
    );
  }

  /**
   * Downloads a URL into a storage (`content: 'import'` for disk images). The volume id is
   * `<storage>:<content>/<filename>`. After a lost reply, an existing volume counts as done.
   */
  async downloadUrl(
    node: string,
    storage: string,
    params: Without<P['POST /nodes/{node}/storage/{storage}/download-url'], 'node' | 'storage'>,
    options: TaskCallOptions = {},
  ): Promise<TaskOutcome & { volid: string }> {
    const volid = `${storage}:${params.content}/${params.filename}`;
    const outcome = await this.runTask(
      'POST /nodes/{node}/storage/{storage}/download-url',
      { ...params, node, storage },
      node,
      {
        ...options,
        fallbackType: 'download',
        reconcile: async () => {
          const content = await this.storageContent(node, storage, { content: params.content });
          return content.some((v) => v.volid === volid)
            ? { done: true, value: RECONCILED_UPID }
            : { done: false };
        },
      },
    );
    return { ...outcome, volid };
  }

  /**
   * Uploads a local file into a storage (`content: 'iso'` for installer ISOs) and waits for Proxmox's
   * `imgcopy` task, which verifies `checksum` when given. The file streams from disk (`multipart.ts`); the
   * volume id is `<storage>:<content>/<filename>`. Proxmox overwrites an existing file of that name, so
   * callers check first.
   */
  async uploadFile(
    node: string,
    storage: string,
    params: Without<P['POST /nodes/{node}/storage/{storage}/upload'], 'node' | 'storage' | 'tmpfilename'>,
    file: { path: string; size: number; onChunk?: (bytes: number) => void },
    options: TaskCallOptions & { onTaskStarted?: (upid: string) => void } = {},
  ): Promise<TaskOutcome & { volid: string }> {
    const volid = `${storage}:${params.content}/${params.filename}`;
    const upid = await this.upload(
      'POST /nodes/{node}/storage/{storage}/upload',
      { ...params, node, storage },
      { ...file, filename: params.filename },
      options.signal,
    );
    parseUpid(upid);
    options.onTaskStarted?.(upid);
    const outcome = await this.waitForTask(upid, {
      ...options.wait,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return { ...outcome, volid };
  }

  // ── PCI passthrough ──────────────────────────────────────────────────────────────────────────────────
  listHostPci(
    node: string,
    params: Without<P['GET /nodes/{node}/hardware/pci'], 'node'> = {},
  ): Promise<R['GET /nodes/{node}/hardware/pci']> {
    return this.call('GET /nodes/{node}/hardware/pci', { ...params, node });
  }

  /** All PCI resource mappings; with `checkNode`, each carries `checks` against that node's hardware. */
  pciMappings(checkNode?: string): Promise<R['GET /cluster/mapping/pci']> {
    return this.call('GET /cluster/mapping/pci', checkNode ? { 'check-node': checkNode } : {});
  }

  async pciMapping(id: string): Promise<PciMapping> {
    return pciMapping.parse(await this.call('GET /cluster/mapping/pci/{id}', { id }));
  }

  /** Creates a mapping (`map`: one property string per node). The same mapping present after a lost reply = done. */
  async createPciMapping(params: P['POST /cluster/mapping/pci']): Promise<void> {
    await this.call('POST /cluster/mapping/pci', params, {
      reconcile: async () => {
        const existing = await this.findPciMapping(params.id);
        return existing && sameList(existing.map, params.map) ? { done: true, value: null } : { done: false };
      },
    });
  }

  /** Updates a mapping; pass `digest` from pciMapping() for optimistic locking. */
  async updatePciMapping(
    id: string,
    params: Without<P['PUT /cluster/mapping/pci/{id}'], 'id'>,
  ): Promise<void> {
    await this.call(
      'PUT /cluster/mapping/pci/{id}',
      { ...params, id },
      {
        reconcile: async () => {
          const existing = await this.findPciMapping(id);
          return existing && (!params.map || sameList(existing.map, params.map))
            ? { done: true, value: null }
            : { done: false };
        },
      },
    );
  }

  /** Deletes a mapping (Proxmox treats deleting a missing id as success, so repeating is safe). */
  async deletePciMapping(id: string): Promise<void> {
    await this.call('DELETE /cluster/mapping/pci/{id}', { id }, { reconcile: async () => ({ done: false }) });
  }

  private async findPciMapping(id: string): Promise<PciMapping | undefined> {
    try {
      return await this.pciMapping(id);
    } catch (error) {
      if (error instanceof PveServerError && error.kind === 'not-found') return undefined;
      throw error;
    }
  }
}
