import { InfraError } from '@infra/core';
import { type ProxmoxClient, PveError, type TaskCallOptions } from '@infra/proxmox-client';
import type { PveRequestParams } from '@infra/pve-api';
import type { ApiStep } from '../image-plan';
import type { BuildPlan } from './plan';

/** What the executor needs of a plan (Talos or cloud image): the steps, and the VM and volume to clean up. */
export type ExecutablePlan = Pick<BuildPlan, 'vmid' | 'volid' | 'steps'>;

export type StepEvent =
  | { type: 'start'; step: ApiStep; index: number; total: number }
  | { type: 'done'; step: ApiStep; index: number; total: number; ms: number }
  | { type: 'progress'; step: ApiStep; message: string }
  | { type: 'cleanup'; message: string };

export interface ExecuteOptions {
  node: string;
  onEvent?: (event: StepEvent) => void;
}

const isGone = (error: unknown) =>
  error instanceof PveError && /does not exist|not found|no such|unable to find/i.test(error.message);

/** Removes a volume (download-url content) and waits for the deletion task, if Proxmox started one. */
export async function deleteVolume(client: ProxmoxClient, node: string, volid: string): Promise<void> {
  const storage = volid.slice(0, volid.indexOf(':'));
  const upid = await client.call('DELETE /nodes/{node}/storage/{storage}/content/{volume}', {
    node,
    storage,
    volume: volid,
  });
  if (typeof upid === 'string' && upid.startsWith('UPID:')) await client.waitForTask(upid);
}

async function runStep(
  client: ProxmoxClient,
  node: string,
  step: ApiStep,
  onEvent: ExecuteOptions['onEvent'],
): Promise<void> {
  const taskOptions: TaskCallOptions = {
    wait: {
      onProgress: (p) =>
        onEvent?.({
          type: 'progress',
          step,
          message: `${p.type} task ${p.status} (${Math.round(p.elapsedMs / 100) / 10}s)`,
        }),
    },
  };
  switch (step.kind) {
    case 'destroy-partial':
      await client.deleteVm(node, step.vmid, { purge: true, 'destroy-unreferenced-disks': true });
      return;
    case 'download': {
      const { content, filename, url, checksum } = step.params;
      const algorithm = step.params['checksum-algorithm'] as 'sha256' | 'sha512';
      const storage = step.volid.slice(0, step.volid.indexOf(':'));
      await client.downloadUrl(
        node,
        storage,
        {
          content: content as 'import',
          filename: filename ?? '',
          url: url ?? '',
          checksum: checksum ?? '',
          'checksum-algorithm': algorithm,
        },
        taskOptions,
      );
      return;
    }
    case 'create':
      await client.createVm(
        node,
        step.params as Omit<PveRequestParams['POST /nodes/{node}/qemu'], 'node'>,
        taskOptions,
      );
      return;
    case 'resize':
      await client.resizeVmDisk(node, step.vmid, { disk: step.disk, size: step.size }, taskOptions);
      return;
    case 'template':
      await client.convertToTemplate(node, step.vmid, taskOptions);
      return;
  }
}

/**
 * Runs a build plan step by step. If any step fails, everything this run created is removed again (the VM,
 * then the downloaded volume) before the error is reported, so a failed build leaves nothing behind.
 */
export async function executeBuildPlan(
  client: ProxmoxClient,
  plan: ExecutablePlan,
  options: ExecuteOptions,
): Promise<void> {
  const { node, onEvent } = options;
  let vmAttempted = false;
  let downloaded = false;
  const total = plan.steps.length;
  for (const [index, step] of plan.steps.entries()) {
    const started = Date.now();
    onEvent?.({ type: 'start', step, index, total });
    try {
      if (step.kind === 'create') vmAttempted = true;
      await runStep(client, node, step, onEvent);
      if (step.kind === 'download') downloaded = true;
    } catch (error) {
      // A download task that failed half-way may still have left a file: remove it too.
      if (step.kind === 'download') downloaded = true;
      const cleanup = await cleanUp(client, node, plan, { vm: vmAttempted, volume: downloaded }, onEvent);
      const reason = error instanceof Error ? error.message : String(error);
      throw new InfraError('BUILD_FAILED', `step "${step.title}" failed: ${reason}\n${cleanup.summary}`, {
        hint:
          cleanup.leftovers.length > 0
            ? `remove by hand: ${cleanup.leftovers.join('; ')}`
            : 'fix the cause above and run the build again',
        details: {
          step: step.kind,
          method: step.method,
          path: step.path,
          cleanedUp: cleanup.removed,
          leftovers: cleanup.leftovers,
        },
        cause: error,
      });
    }
    onEvent?.({ type: 'done', step, index, total, ms: Date.now() - started });
  }
}

async function cleanUp(
  client: ProxmoxClient,
  node: string,
  plan: ExecutablePlan,
  what: { vm: boolean; volume: boolean },
  onEvent: ExecuteOptions['onEvent'],
): Promise<{ removed: string[]; leftovers: string[]; summary: string }> {
  const removed: string[] = [];
  const leftovers: string[] = [];
  if (what.vm) {
    try {
      onEvent?.({ type: 'cleanup', message: `removing the partial VM ${plan.vmid}` });
      await client.deleteVm(node, plan.vmid, { purge: true, 'destroy-unreferenced-disks': true });
      removed.push(`VM ${plan.vmid}`);
    } catch (error) {
      if (isGone(error)) removed.push(`VM ${plan.vmid} (already gone)`);
      else leftovers.push(`qm destroy ${plan.vmid} --purge (${(error as Error).message})`);
    }
  }
  if (what.volume) {
    try {
      onEvent?.({ type: 'cleanup', message: `removing the downloaded volume ${plan.volid}` });
      await deleteVolume(client, node, plan.volid);
      removed.push(`volume ${plan.volid}`);
    } catch (error) {
      if (isGone(error)) removed.push(`volume ${plan.volid} (not there)`);
      else leftovers.push(`pvesm free ${plan.volid} (${(error as Error).message})`);
    }
  }
  const summary =
    removed.length + leftovers.length === 0
      ? 'nothing had been created, nothing to clean up'
      : `cleaned up: ${removed.join(', ') || 'nothing'}${leftovers.length > 0 ? `; could NOT remove: ${leftovers.join('; ')}` : ''}`;
  return { removed, leftovers, summary };
}
