import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildImage } from './build';
import type { StepEvent } from './execute';
import { type Harness, startHarness } from './testing/harness';

// Issue 10 items 1-2: the builder destroys only what this run created, against the Proxmox simulator.
let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.stop());

const vms = async () =>
  (await h.client.listVms('pve')).map((v) => [v.vmid, v.name, Boolean(v.template)]).sort();
const volumes = async () =>
  (await h.client.storageContent('pve', 'local', { content: 'import' })).map((v) => v.volid);
/** Someone else (tofu, a person, another tool) creates a VM directly on the node. */
const foreignVm = (vmid: number, name: string) => {
  h.sim.state.vms[String(vmid)] = {
    node: 'pve',
    config: { name, memory: '512' },
    snapshots: [],
    running: false,
    createdAt: Date.now(),
  };
};

describe('ownership before cleanup', () => {
  it('a VMID taken between observe and create: the build moves to the next free VMID and leaves the other VM alone', async () => {
    const onEvent = (e: StepEvent) => {
      if (e.type === 'start' && e.step.kind === 'create' && e.step.vmid === 9000)
        foreignVm(9000, 'someone-else');
    };
    const result = await buildImage(h.env, 'talos', { connection: h.connection, onEvent });
    expect(result).toMatchObject({ status: 'built', vmid: 9001 });
    expect(result.steps.map((s) => `${s.method} ${s.path}`)).toContain('POST /nodes/pve/qemu/9001/template');
    const config = await h.client.vmConfig('pve', 9001);
    expect(config).toMatchObject({ template: true, name: result.name });
    expect(await vms()).toEqual([
      [9000, 'someone-else', false],
      [9001, result.name, true],
    ]);
  });

  it('a VMID taken and then a failing step: cleanup removes only this run VM, never the one that took the VMID', async () => {
    const onEvent = (e: StepEvent) => {
      if (e.type !== 'start') return;
      if (e.step.kind === 'create' && e.step.vmid === 9000) foreignVm(9000, 'someone-else');
      if (e.step.kind === 'template')
        h.sim.faults.add({ kind: 'task-failure', taskType: 'qmtemplate', message: 'disk on fire', times: 1 });
    };
    const error = await buildImage(h.env, 'talos', { connection: h.connection, onEvent }).catch((e) => e);
    expect(error).toMatchObject({
      code: 'BUILD_FAILED',
      message: expect.stringContaining('cleaned up: VM 9001'),
    });
    expect(await vms()).toEqual([[9000, 'someone-else', false]]);
  });

  it('a volume another run put there while this one downloaded is never deleted by this run', async () => {
    const dry = await buildImage(h.env, 'talos', { connection: h.connection, dryRun: true });
    const filename = String((dry.steps[0]!.params as Record<string, unknown>).filename);
    const image = Buffer.from(await (await fetch(String(dry.sourceUrl))).arrayBuffer());
    const onEvent = (e: StepEvent) => {
      if (e.type !== 'start') return;
      if (e.step.kind === 'download') {
        // The other run's download lands first; Proxmox then finds the file (same checksum) and keeps it.
        const dir = join(h.dir, 'sim', 'storage', 'local', 'import');
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, filename), image);
        h.sim.state.volumes[`local:import/${filename}`] = {
          storage: 'local',
          volname: `import/${filename}`,
          vtype: 'import',
          format: 'qcow2',
          size: 2 * 1024 ** 3,
          ctime: Math.floor(Date.now() / 1000),
          file: true,
        };
      }
      if (e.step.kind === 'create')
        h.sim.faults.add({ kind: 'task-failure', taskType: 'qmcreate', message: 'disk full', times: 1 });
    };
    const error = await buildImage(h.env, 'talos', { connection: h.connection, onEvent }).catch((e) => e);
    expect(error).toMatchObject({ code: 'BUILD_FAILED' });
    expect(String((error as Error).message)).not.toMatch(/volume/);
    expect(await volumes()).toEqual([`local:import/${filename}`]);
  });
});

describe('interrupted-build markers', () => {
  it('a stopped full clone of a deleted template survives the rebuild (Proxmox copies tag and description)', async () => {
    const first = await buildImage(h.env, 'talos', { connection: h.connection });
    const vmid = first.vmid ?? Number.NaN;
    await h.client.cloneVm('pve', vmid, { newid: 9001, name: 'talos-worker-1', full: true });
    const clone = (await h.client.vmConfig('pve', 9001)) as Record<string, unknown>;
    expect(String(clone.tags)).toContain(`fp-${first.fingerprint.slice(0, 24)}`);
    expect(JSON.parse(String(clone.description))).toMatchObject({ fingerprint: first.fingerprint });
    await h.client.deleteVm('pve', vmid, { purge: true });

    const again = await buildImage(h.env, 'talos', { connection: h.connection });
    expect(again).toMatchObject({ status: 'built', vmid: 9000 });
    expect(again.steps.map((s) => s.kind)).not.toContain('destroy-partial');
    expect(await vms()).toEqual([
      [9000, first.name, true],
      [9001, 'talos-worker-1', false],
    ]);
  });

  it('the finished template carries no build marker; during the build the VM carries both', async () => {
    const seen: string[] = [];
    const onEvent = (e: StepEvent) => {
      if (e.type === 'start' && e.step.kind === 'template')
        seen.push(String(h.sim.state.vms['9000']?.config.tags));
    };
    const result = await buildImage(h.env, 'talos', { connection: h.connection, onEvent });
    expect(seen[0]?.split(/[;,]/)).toEqual(
      expect.arrayContaining(['infra-building', `infra-run-${result.runId}`]),
    );
    const tags = String(((await h.client.vmConfig('pve', 9000)) as { tags?: string }).tags).split(/[;,]/);
    expect(tags).not.toContain('infra-building');
    expect(tags.some((t) => t.startsWith('infra-run-'))).toBe(false);
  });
});

describe('interrupts', () => {
  it('an abort while the create task runs stops it and cleans up like a failure; the lock is released', async () => {
    h.sim.timing.taskMs = 600;
    const interrupt = new AbortController();
    const onEvent = (e: StepEvent) => {
      if (e.type === 'start' && e.step.kind === 'create')
        setTimeout(() => interrupt.abort(new Error('SIGINT')), 200);
    };
    const error = await buildImage(h.env, 'talos', {
      connection: h.connection,
      onEvent,
      signal: interrupt.signal,
    }).catch((e) => e);
    expect(error).toMatchObject({
      code: 'BUILD_INTERRUPTED',
      message: expect.stringMatching(
        /interrupted during step "create VM 9000.*\n.*cleaned up: VM 9000.*volume/,
      ),
    });
    await h.sim.idle();
    expect(await vms()).toEqual([]); // the lock VM is gone too
    expect(await volumes()).toEqual([]);
    const stopped = h.sim.state.tasks.filter((t) => t.type === 'qmcreate' && t.id === '9000');
    expect(stopped.at(-1)?.exitstatus).toBe('interrupted by signal');
  });
});
