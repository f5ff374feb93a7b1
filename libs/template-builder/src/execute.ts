import { stat } from 'node:fs/promises';
import { InfraError } from '@infra/core';
import {
  type ProxmoxClient,
  PveServerError,
  PveTaskFailedError,
  parseUpid,
  type TaskCallOptions,
} from '@infra/proxmox-client';
import type { PveRequestParams } from '@infra/pve-api';
import type { TemplateBuilderErrorCode } from './error-codes';
import { type ApiStep, pickVmid, type ReadDescription, retargetSteps, splitTags } from './plan';
import { buildingRunId, runTag } from './run-marker';

/** What the executor needs of a plan: the steps, and who the VM it creates belongs to. */
export interface ExecutablePlan {
  /** The VM the plan creates (none for a plan of downloads only, e.g. an ISO OS's install media). */
  vmid?: number;
  /** The name the new VM gets (checked before it is ever destroyed). */
  name: string;
  runId: string;
  steps: ApiStep[];
}

export type StepEvent =
  | { type: 'start'; step: ApiStep; index: number; total: number }
  | { type: 'done'; step: ApiStep; index: number; total: number; ms: number }
  | { type: 'progress'; step: ApiStep; message: string }
  | { type: 'cleanup'; message: string };

export interface ExecuteOptions {
  node: string;
  /** Where another VMID is picked when the planned one was taken in the meantime. */
  vmidRange: { start: number; end: number };
  readDescription: ReadDescription;
  onEvent?: (event: StepEvent) => void;
  /** Aborting (SIGINT/SIGTERM) stops the running task and cleans up exactly like a failure. */
  signal?: AbortSignal;
}

export interface ExecuteResult {
  /** The template's VMID (differs from the plan's when that one was taken by someone else). */
  vmid?: number | undefined;
  steps: ApiStep[];
  warnings: string[];
}

/** How many times a create moves on to the next free VMID after "already exists". */
const MAX_VMID_ATTEMPTS = 5;
/** How long cleanup waits for an interrupted task to end before it gives up on that VM. */
const STOP_WAIT_MS = 120_000;

const isGone = (error: unknown) =>
  error instanceof PveServerError && /does not exist|not found|no such|unable to find/i.test(error.message);
const isTaken = (error: unknown) => error instanceof PveServerError && error.kind === 'already-exists';

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

/**
 * What this run provably created. A VM is ours only once this run's create POST returned a task id (or a
 * reconcile found our run marker on it); a volume only when our download task wrote it (not when Proxmox found
 * the file already there). Nothing else is ever cleaned up.
 */
interface Owned {
  vm?: { vmid: number; upid: string | null };
  /** Volumes our download tasks (or finished upload tasks) wrote, in order. */
  volumes: string[];
  /** An upload whose `imgcopy` task started but was not seen to finish: ours only if that task ended OK. */
  upload?: { volid: string; upid: string } | undefined;
  /** The task of the step that is running now (stopped on interrupt before cleanup). */
  running?: string | undefined;
}

/**
 * Runs a build plan step by step. On a failure or an interrupt it removes what this run created (after
 * checking ownership again on the server) and reports what it removed and what it left.
 */
export async function executeBuildPlan(
  client: ProxmoxClient,
  plan: ExecutablePlan,
  options: ExecuteOptions,
): Promise<ExecuteResult> {
  const { node, onEvent, signal } = options;
  const owned: Owned = { volumes: [] };
  const warnings: string[] = [];
  let steps = [...plan.steps];
  let vmid = plan.vmid;
  for (let index = 0; index < steps.length; index++) {
    const step = steps[index]!;
    const started = Date.now();
    onEvent?.({ type: 'start', step, index, total: steps.length });
    const taskOptions: TaskCallOptions = {
      wait: {
        // Only waiting is interruptible: a POST that reached Proxmox always returns its task id to us.
        ...(signal ? { signal } : {}),
        onProgress: (p) => {
          owned.running = p.upid;
          // The create's task id names the VMID it is for (which moves when a VMID was taken).
          if (step.kind === 'create') owned.vm = { vmid: Number(parseUpid(p.upid).id), upid: p.upid };
          onEvent?.({
            type: 'progress',
            step,
            message: `${p.type} task ${p.status} (${Math.round(p.elapsedMs / 100) / 10}s)`,
          });
        },
      },
    };
    try {
      if (signal?.aborted) throw signal.reason;
      switch (step.kind) {
        case 'destroy-partial':
          await removeLeftover(client, node, step, options.readDescription, warnings, onEvent);
          break;
        case 'download':
          if (await download(client, node, step, taskOptions)) owned.volumes.push(step.volid);
          break;
        case 'upload':
          await upload(client, node, step, taskOptions, owned, signal, (message) =>
            onEvent?.({ type: 'progress', step, message }),
          );
          owned.volumes.push(step.volid);
          owned.upload = undefined;
          break;
        case 'create': {
          const created = await create(client, node, plan, steps, index, options, owned, taskOptions);
          steps = created.steps;
          vmid = created.vmid;
          break;
        }
        case 'resize':
          await client.resizeVmDisk(node, step.vmid, { disk: step.disk, size: step.size }, taskOptions);
          break;
        case 'template':
          await client.convertToTemplate(node, step.vmid, taskOptions);
          break;
        case 'finish':
          // The template is complete; a marker left on it is harmless (its name and template flag exclude it).
          await client.updateVmConfig(node, step.vmid, step.params).catch((error: unknown) => {
            warnings.push(
              `template ${step.vmid} is built, but its build markers could not be removed (${(error as Error).message}); remove the tags infra-building and ${runTag(plan.runId)} by hand`,
            );
          });
          break;
      }
      owned.running = undefined;
    } catch (error) {
      const interrupted = signal?.aborted === true;
      const cleanup = await cleanUp(client, node, plan, owned, options, onEvent);
      onEvent?.({ type: 'cleanup', message: cleanup.summary });
      throw failure(steps[index]!, error, interrupted, cleanup);
    }
    onEvent?.({ type: 'done', step: steps[index]!, index, total: steps.length, ms: Date.now() - started });
  }
  return { vmid, steps, warnings };
}

function failure(
  step: ApiStep,
  error: unknown,
  interrupted: boolean,
  cleanup: { removed: string[]; leftovers: string[]; summary: string },
): InfraError {
  const reason = error instanceof Error ? error.message : String(error);
  const what = interrupted
    ? `interrupted during step "${step.title}"`
    : `step "${step.title}" failed: ${reason}`;
  const shrink = /shrinking disks is not supported/.test(reason)
    ? 'the image is larger than hardware.diskGiB: raise diskGiB in infra.config.yaml'
    : undefined;
  return new InfraError<TemplateBuilderErrorCode>(
    interrupted ? 'BUILD_INTERRUPTED' : 'BUILD_FAILED',
    `${what}\n${cleanup.summary}`,
    {
      hint:
        cleanup.leftovers.length > 0
          ? `remove by hand: ${cleanup.leftovers.join('; ')}`
          : (shrink ?? (interrupted ? 'run the build again' : 'fix the cause above and run the build again')),
      details: {
        step: step.kind,
        method: step.method,
        path: step.path,
        cleanedUp: cleanup.removed,
        leftovers: cleanup.leftovers,
      },
      cause: error,
    },
  );
}

/** True when this run's task wrote the file (Proxmox says so in the log when the file was already there). */
async function download(
  client: ProxmoxClient,
  node: string,
  step: Extract<ApiStep, { kind: 'download' }>,
  taskOptions: TaskCallOptions,
): Promise<boolean> {
  const { content, filename, url, checksum } = step.params;
  const storage = step.volid.slice(0, step.volid.indexOf(':'));
  const outcome = await client.downloadUrl(
    node,
    storage,
    {
      content: content as 'import' | 'iso',
      filename: filename ?? '',
      url: url ?? '',
      checksum: checksum ?? '',
      'checksum-algorithm': step.params['checksum-algorithm'] as 'sha256' | 'sha512',
    },
    taskOptions,
  );
  if (outcome.upid === null) return false; // reconciled after a lost reply: present, but not provably ours
  const { lines } = await client.taskLog(node, outcome.upid, { limit: 500 });
  return !lines.some((line) => /got correct file already/i.test(line));
}

/**
 * Sends a local ISO (already checked against its pin) with the pinned checksum, which Proxmox's `imgcopy` task
 * verifies again. The stream itself stops on `signal`: Proxmox then drops its temp file and stores nothing.
 * Once the task has started, the volume is this run's exactly when that task ends OK.
 */
async function upload(
  client: ProxmoxClient,
  node: string,
  step: Extract<ApiStep, { kind: 'upload' }>,
  taskOptions: TaskCallOptions,
  owned: Owned,
  signal: AbortSignal | undefined,
  progress: (message: string) => void,
): Promise<void> {
  const { filename, checksum } = step.params;
  const storage = step.volid.slice(0, step.volid.indexOf(':'));
  const size = (await stat(step.localPath)).size;
  // A multi-GB ISO takes a while: say so every 10 %.
  let sent = 0;
  let shown = 0;
  const onChunk = (bytes: number) => {
    sent += bytes;
    const percent = size === 0 ? 100 : Math.floor((sent * 10) / size) * 10;
    if (percent > shown) {
      shown = percent;
      progress(`sent ${percent}% of ${(size / 1024 ** 2).toFixed(1)} MiB`);
    }
  };
  await client.uploadFile(
    node,
    storage,
    {
      content: 'iso',
      filename: filename ?? '',
      checksum: checksum ?? '',
      'checksum-algorithm': step.params['checksum-algorithm'] as 'sha256' | 'sha512',
    },
    { path: step.localPath, size, onChunk },
    {
      ...taskOptions,
      ...(signal ? { signal } : {}),
      onTaskStarted: (upid) => {
        owned.running = upid;
        owned.upload = { volid: step.volid, upid };
      },
    },
  );
}

/**
 * POST create; "already exists" means someone else took the VMID since we looked: move this run's VM steps to
 * the next free VMID and try again, never touching the other VM.
 */
async function create(
  client: ProxmoxClient,
  node: string,
  plan: ExecutablePlan,
  steps: ApiStep[],
  index: number,
  options: ExecuteOptions,
  owned: Owned,
  taskOptions: TaskCallOptions,
): Promise<{ steps: ApiStep[]; vmid: number }> {
  const tried: number[] = [];
  for (let attempt = 1; ; attempt++) {
    const step = steps[index] as Extract<ApiStep, { kind: 'create' }>;
    tried.push(step.vmid);
    try {
      const outcome = await client.createVm(
        node,
        step.params as Omit<PveRequestParams['POST /nodes/{node}/qemu'], 'node'>,
        taskOptions,
      );
      if (outcome.upid !== null || (await carriesRunMarker(client, node, step.vmid, plan.runId))) {
        owned.vm = { vmid: step.vmid, upid: outcome.upid };
        return { steps, vmid: step.vmid };
      }
      // A lost reply, and the VM there is not ours: someone else took the VMID.
    } catch (error) {
      if (error instanceof PveTaskFailedError) owned.vm = { vmid: step.vmid, upid: error.upid };
      if (!isTaken(error) || attempt >= MAX_VMID_ATTEMPTS) throw error;
    }
    const used = (await client.clusterResources('vm'))
      .map((r) => r.vmid)
      .filter((id): id is number => typeof id === 'number');
    const next = pickVmid(options.vmidRange, used, tried);
    options.onEvent?.({
      type: 'cleanup',
      message: `VM ${step.vmid} was created by someone else meanwhile: using VM ${next} instead (theirs is left alone)`,
    });
    steps = retargetSteps(steps, step.vmid, next);
  }
}

async function carriesRunMarker(client: ProxmoxClient, node: string, vmid: number, runId: string) {
  const config = (await client.vmConfig(node, vmid)) as { tags?: string };
  return buildingRunId(splitTags(config.tags)) === runId;
}

/** Deletes a leftover only if it still is one: marker, run, name unchanged, not a template, not locked, stopped. */
async function removeLeftover(
  client: ProxmoxClient,
  node: string,
  step: Extract<ApiStep, { kind: 'destroy-partial' }>,
  readDescription: ReadDescription,
  warnings: string[],
  onEvent: ExecuteOptions['onEvent'],
): Promise<void> {
  let config: Record<string, unknown>;
  try {
    config = (await client.vmConfig(node, step.vmid)) as Record<string, unknown>;
  } catch (error) {
    if (isGone(error)) return;
    throw error;
  }
  const status = await client.vmStatus(node, step.vmid);
  const still =
    buildingRunId(splitTags(config.tags as string | undefined)) === step.leftover.runId &&
    config.name === step.leftover.name &&
    readDescription(config.description as string | undefined)?.buildRun === step.leftover.runId &&
    !config.template &&
    config.lock === undefined &&
    status.status === 'stopped';
  if (!still) {
    warnings.push(`VM ${step.vmid} changed since it was seen as a leftover build; left alone`);
    onEvent?.({ type: 'cleanup', message: `VM ${step.vmid} is no longer a leftover build: left alone` });
    return;
  }
  await client.deleteVm(node, step.vmid, { purge: true, 'destroy-unreferenced-disks': true });
}

/** The VM is this run's: our create task, our run marker, our name. */
async function confirmOwnVm(
  client: ProxmoxClient,
  node: string,
  plan: ExecutablePlan,
  vm: NonNullable<Owned['vm']>,
  readDescription: ReadDescription,
): Promise<'ours' | 'gone' | string> {
  let config: Record<string, unknown>;
  try {
    config = (await client.vmConfig(node, vm.vmid)) as Record<string, unknown>;
  } catch (error) {
    if (isGone(error)) return 'gone';
    throw error;
  }
  if (vm.upid !== null && !vm.upid.includes(`:qmcreate:${vm.vmid}:`))
    return `task ${vm.upid} is not its creation`;
  if (buildingRunId(splitTags(config.tags as string | undefined)) !== plan.runId)
    return `it does not carry this run's marker ${runTag(plan.runId)}`;
  if (config.name !== plan.name) return `its name is "${String(config.name)}", not "${plan.name}"`;
  if (readDescription(config.description as string | undefined)?.buildRun !== plan.runId)
    return 'its description names another build run';
  if (config.lock !== undefined) return `it is locked (${String(config.lock)})`;
  return 'ours';
}

async function cleanUp(
  client: ProxmoxClient,
  node: string,
  plan: ExecutablePlan,
  owned: Owned,
  options: ExecuteOptions,
  onEvent: ExecuteOptions['onEvent'],
): Promise<{ removed: string[]; leftovers: string[]; summary: string }> {
  const removed: string[] = [];
  const leftovers: string[] = [];
  if (owned.running) await stopTask(client, node, owned.running, onEvent);
  if (owned.vm) {
    const { vmid } = owned.vm;
    try {
      const verdict = await confirmOwnVm(client, node, plan, owned.vm, options.readDescription);
      if (verdict === 'gone') removed.push(`VM ${vmid} (already gone)`);
      else if (verdict !== 'ours') leftovers.push(`nothing: VM ${vmid} was left alone because ${verdict}`);
      else {
        onEvent?.({ type: 'cleanup', message: `removing the partial VM ${vmid}` });
        await client.deleteVm(node, vmid, { purge: true, 'destroy-unreferenced-disks': true });
        removed.push(`VM ${vmid}`);
      }
    } catch (error) {
      if (isGone(error)) removed.push(`VM ${vmid} (already gone)`);
      else leftovers.push(`qm destroy ${vmid} --purge (${(error as Error).message})`);
    }
  }
  if (owned.upload) {
    // Stopped (or failed) mid-task: Proxmox removes what a failed imgcopy wrote; an OK task's file is ours.
    const { volid, upid } = owned.upload;
    const ended = await client.taskStatus(node, upid).catch(() => undefined);
    if (ended?.status === 'stopped' && ended.exitstatus === 'OK') owned.volumes.push(volid);
    else if (ended?.status !== 'stopped')
      leftovers.push(
        `nothing removed for ${volid}: its upload task ${upid} did not end; check it, then pvesm free ${volid} if it is there`,
      );
  }
  for (const volume of owned.volumes) {
    try {
      onEvent?.({ type: 'cleanup', message: `removing the volume ${volume} this run stored` });
      await deleteVolume(client, node, volume);
      removed.push(`volume ${volume}`);
    } catch (error) {
      if (isGone(error)) removed.push(`volume ${volume} (not there)`);
      else leftovers.push(`pvesm free ${volume} (${(error as Error).message})`);
    }
  }
  const summary =
    removed.length + leftovers.length === 0
      ? 'this run had created nothing, nothing to clean up'
      : `cleaned up: ${removed.join(', ') || 'nothing'}${leftovers.length > 0 ? `; could NOT remove: ${leftovers.join('; ')}` : ''}`;
  return { removed, leftovers, summary };
}

/** Stops a task this run started (an interrupt leaves it running on the server) and waits for it to end. */
async function stopTask(
  client: ProxmoxClient,
  node: string,
  upid: string,
  onEvent: ExecuteOptions['onEvent'],
): Promise<void> {
  try {
    const status = await client.taskStatus(node, upid);
    if (status.status !== 'running') return;
    onEvent?.({ type: 'cleanup', message: `stopping task ${upid}` });
    await client.stopTask(node, upid);
    await client.waitForTask(upid, { timeoutMs: STOP_WAIT_MS }).catch(() => undefined);
  } catch {
    // The cleanup after it reports whatever is left.
  }
}
