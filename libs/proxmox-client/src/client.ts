import type { PveRequestParams as P, PveResponses as R } from '@infra/pve-api';
import { z } from 'zod';
import { PveStorageClient, type Without } from './storage-client';
import { RECONCILED_UPID, type TaskCallOptions } from './task-runner';
import type { TaskOutcome } from './tasks';

const agentInterfaces = z.object({
  result: z.array(
    z.looseObject({
      name: z.string(),
      'hardware-address': z.string().optional(),
      'ip-addresses': z
        .array(
          z.looseObject({
            'ip-address': z.string(),
            'ip-address-type': z.string(),
            prefix: z.number().optional(),
          }),
        )
        .optional(),
    }),
  ),
});
export type AgentNetworkInterface = z.infer<typeof agentInterfaces>['result'][number];

const SIZE_UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };
/** `16G`, `512M`, `1000` → bytes (Proxmox's drive `size=` and resize sizes). */
const sizeBytes = (text: string) => {
  const m = /^(\d+(?:\.\d+)?)([KMGT]?)$/.exec(text);
  return m ? Math.trunc(Number(m[1]) * SIZE_UNITS[m[2]!]!) : Number.NaN;
};

/**
 * Typed Proxmox VE 9 client for what the project needs. Task-creating methods wait for the task by default and
 * return its outcome; a failed task throws PveTaskFailedError. Writes whose reply is lost are reconciled by
 * looking at the server, never repeated blindly.
 */
export class ProxmoxClient extends PveStorageClient {
  // ── VMs ──────────────────────────────────────────────────────────────────────────────────────────────
  listVms(
    node: string,
    params: Without<P['GET /nodes/{node}/qemu'], 'node'> = {},
  ): Promise<R['GET /nodes/{node}/qemu']> {
    return this.call('GET /nodes/{node}/qemu', { ...params, node });
  }

  vmConfig(
    node: string,
    vmid: number,
    params: Without<P['GET /nodes/{node}/qemu/{vmid}/config'], 'node' | 'vmid'> = {},
  ) {
    return this.call('GET /nodes/{node}/qemu/{vmid}/config', { ...params, node, vmid });
  }

  vmStatus(node: string, vmid: number): Promise<R['GET /nodes/{node}/qemu/{vmid}/status/current']> {
    return this.call('GET /nodes/{node}/qemu/{vmid}/status/current', { node, vmid });
  }

  /**
   * Creates a VM (disks with `import-from` are imported; such creates are serialised per node). The vmid is
   * explicit, so a lost reply is safe to resolve: the VM either exists (done, once its `lock: create` clears)
   * or does not (send again; Proxmox refuses a duplicate vmid, so no second VM can appear).
   */
  async createVm(
    node: string,
    params: Without<P['POST /nodes/{node}/qemu'], 'node'>,
    options: TaskCallOptions = {},
  ): Promise<TaskOutcome> {
    const importsDisk = Object.values(params).some(
      (v) => typeof v === 'string' && v.includes('import-from='),
    );
    return this.runTask('POST /nodes/{node}/qemu', { ...params, node }, node, {
      ...options,
      fallbackType: 'qmcreate',
      serialiseOn: importsDisk ? node : undefined,
      reconcile: () => this.reconcileVmExists(node, params.vmid, params.name, options),
    });
  }

  /** Clones a VM or template to `newid` (serialised per node). A lost reply is resolved like createVm. */
  async cloneVm(
    node: string,
    vmid: number,
    params: Without<P['POST /nodes/{node}/qemu/{vmid}/clone'], 'node' | 'vmid'>,
    options: TaskCallOptions = {},
  ): Promise<TaskOutcome> {
    return this.runTask('POST /nodes/{node}/qemu/{vmid}/clone', { ...params, node, vmid }, node, {
      ...options,
      fallbackType: 'qmclone',
      serialiseOn: node,
      reconcile: () => this.reconcileVmExists(params.target ?? node, params.newid, params.name, options),
    });
  }

  /** Converts a stopped VM into a template (serialised per node). Already a template after a lost reply = done. */
  async convertToTemplate(
    node: string,
    vmid: number,
    options: TaskCallOptions & { disk?: P['POST /nodes/{node}/qemu/{vmid}/template']['disk'] } = {},
  ): Promise<TaskOutcome> {
    return this.runTask(
      'POST /nodes/{node}/qemu/{vmid}/template',
      { node, vmid, ...(options.disk ? { disk: options.disk } : {}) },
      node,
      {
        ...options,
        fallbackType: 'qmtemplate',
        serialiseOn: node,
        reconcile: async () => {
          const done = await this.settle(async () => {
            const config = await this.vmConfig(node, vmid);
            if (config.template) return 'done';
            return config.lock ? 'busy' : 'absent';
          }, options);
          return done ? { done: true, value: RECONCILED_UPID } : { done: false };
        },
      },
    );
  }

  /**
   * Grows one disk (`size`: absolute like `16G`, or `+2G`; Proxmox refuses to shrink). After a lost reply an
   * absolute size is confirmed from the drive's `size=` in the config; a relative one is never re-sent.
   */
  async resizeVmDisk(
    node: string,
    vmid: number,
    params: Without<P['PUT /nodes/{node}/qemu/{vmid}/resize'], 'node' | 'vmid'>,
    options: TaskCallOptions = {},
  ): Promise<TaskOutcome> {
    return this.runTask('PUT /nodes/{node}/qemu/{vmid}/resize', { ...params, node, vmid }, node, {
      ...options,
      fallbackType: 'resize',
      reconcile: async () => {
        if (params.size.startsWith('+')) return { done: false };
        const config = (await this.vmConfig(node, vmid)) as Record<string, unknown>;
        const size = /(?:^|,)size=([^,]+)/.exec(String(config[params.disk] ?? ''))?.[1];
        return size !== undefined && sizeBytes(size) === sizeBytes(params.size)
          ? { done: true, value: RECONCILED_UPID }
          : { done: false };
      },
    });
  }

  /** Sets config keys synchronously. Pass `digest` (from vmConfig) to fail instead of overwriting a concurrent change. */
  async updateVmConfig(
    node: string,
    vmid: number,
    params: Without<P['PUT /nodes/{node}/qemu/{vmid}/config'], 'node' | 'vmid'>,
  ): Promise<void> {
    await this.call(
      'PUT /nodes/{node}/qemu/{vmid}/config',
      { ...params, node, vmid },
      {
        reconcile: async () => {
          const config = (await this.vmConfig(node, vmid)) as Record<string, unknown>;
          const { digest: _d, delete: del, revert: _r, skiplock: _s, ...wanted } = params;
          const setOk = Object.entries(wanted).every(
            ([k, v]) =>
              v === undefined || String(config[k]) === String(typeof v === 'boolean' ? Number(v) : v),
          );
          const deletedOk = (del ?? '')
            .split(/[,;\s]+/)
            .filter(Boolean)
            .every((k) => config[k] === undefined);
          return setOk && deletedOk ? { done: true, value: null } : { done: false };
        },
      },
    );
  }

  startVm(node: string, vmid: number, options: TaskCallOptions = {}): Promise<TaskOutcome> {
    return this.power('start', node, vmid, 'running', options);
  }

  stopVm(node: string, vmid: number, options: TaskCallOptions = {}): Promise<TaskOutcome> {
    return this.power('stop', node, vmid, 'stopped', options);
  }

  shutdownVm(
    node: string,
    vmid: number,
    options: TaskCallOptions & { timeoutSeconds?: number; forceStop?: boolean } = {},
  ): Promise<TaskOutcome> {
    const extra = {
      ...(options.timeoutSeconds === undefined ? {} : { timeout: options.timeoutSeconds }),
      ...(options.forceStop === undefined ? {} : { forceStop: options.forceStop }),
    };
    return this.power('shutdown', node, vmid, 'stopped', options, extra);
  }

  /** Destroys a VM and its disks. Gone after a lost reply = done. */
  async deleteVm(
    node: string,
    vmid: number,
    params: Without<P['DELETE /nodes/{node}/qemu/{vmid}'], 'node' | 'vmid'> = {},
    options: TaskCallOptions = {},
  ): Promise<TaskOutcome> {
    return this.runTask('DELETE /nodes/{node}/qemu/{vmid}', { ...params, node, vmid }, node, {
      ...options,
      fallbackType: 'qmdestroy',
      reconcile: async () => {
        const gone = await this.settle(async () => {
          try {
            const config = await this.vmConfig(node, vmid);
            return config.lock ? 'busy' : 'absent';
          } catch (error) {
            if (ProxmoxClient.isNotFound(error)) return 'done';
            throw error;
          }
        }, options);
        return gone ? { done: true, value: RECONCILED_UPID } : { done: false };
      },
    });
  }

  /** The guest agent's view of the network; throws PveServerError ("QEMU guest agent is not running") until it is up. */
  async agentNetworkInterfaces(node: string, vmid: number): Promise<AgentNetworkInterface[]> {
    const data = await this.call('GET /nodes/{node}/qemu/{vmid}/agent/network-get-interfaces', {
      node,
      vmid,
    });
    return agentInterfaces.parse(data).result;
  }

  // ── helpers ──────────────────────────────────────────────────────────────────────────────────────────

  private power(
    action: 'start' | 'stop' | 'shutdown',
    node: string,
    vmid: number,
    target: 'running' | 'stopped',
    options: TaskCallOptions,
    extra: Record<string, unknown> = {},
  ): Promise<TaskOutcome> {
    const operation = `POST /nodes/{node}/qemu/{vmid}/status/${action}` as const;
    return this.runTask(operation, { ...extra, node, vmid }, node, {
      ...options,
      fallbackType: `qm${action}`,
      reconcile: async () =>
        (await this.vmStatus(node, vmid)).status === target
          ? { done: true, value: RECONCILED_UPID }
          : { done: false },
    });
  }

  private async reconcileVmExists(
    node: string,
    vmid: number,
    name: string | undefined,
    options: TaskCallOptions,
  ) {
    const done = await this.settle(async () => {
      try {
        const config = await this.vmConfig(node, vmid);
        if (name !== undefined && config.name !== undefined && config.name !== name) return 'absent';
        return config.lock === 'create' || config.lock === 'clone' ? 'busy' : 'done';
      } catch (error) {
        if (ProxmoxClient.isNotFound(error)) return 'absent';
        throw error;
      }
    }, options);
    return done ? ({ done: true, value: RECONCILED_UPID } as const) : ({ done: false } as const);
  }
}
