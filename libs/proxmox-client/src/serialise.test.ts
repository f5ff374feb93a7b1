import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractViolations, type SimHarness, startHarness } from './testing/sim-harness';

/** Lock-heavy operations on one node run one at a time: each clone's task ends before the next clone starts. */
let harness: SimHarness;
beforeAll(async () => {
  harness = await startHarness({ taskMs: 40 });
});
afterAll(async () => harness?.close());

describe('per-node serialisation', () => {
  it('runs concurrent clones of a template one after another, and all of them succeed', async () => {
    const client = harness.client();
    await client.createVm('pve', { vmid: 500, name: 'base', memory: '512', scsi0: 'local-lvm:1' });
    await client.convertToTemplate('pve', 500);
    const outcomes = await Promise.all(
      [501, 502, 503].map((newid) => client.cloneVm('pve', 500, { newid, name: `c${newid}` })),
    );
    expect(outcomes.map((o) => o.exitstatus)).toEqual(['OK', 'OK', 'OK']);

    // Between two clone POSTs, the earlier clone's task must have been seen stopped (its last status poll).
    const events = harness.requests.map((r) => `${r.method} ${r.path}`);
    const clonePosts = events.flatMap((e, i) => (e === 'POST /nodes/pve/qemu/500/clone' ? [i] : []));
    expect(clonePosts).toHaveLength(3);
    for (const [n, upid] of outcomes.slice(0, 2).map((o, n) => [n, o.upid] as const)) {
      const lastPoll = events.lastIndexOf(`GET /nodes/pve/tasks/${encodeURIComponent(upid ?? '')}/status`);
      expect(lastPoll).toBeGreaterThan(clonePosts[n]!);
      expect(lastPoll).toBeLessThan(clonePosts[n + 1]!);
    }
  });

  it('does not serialise plain creates (no disk import)', async () => {
    const client = harness.client();
    const start = harness.requests.length;
    await Promise.all(
      [600, 601, 602].map((vmid) => client.createVm('pve', { vmid, name: `p${vmid}`, memory: '512' })),
    );
    const events = harness.requests.slice(start).map((r) => `${r.method} ${r.path}`);
    const firstPoll = events.findIndex((e) => e.startsWith('GET /nodes/pve/tasks/'));
    expect(events.slice(0, firstPoll).filter((e) => e === 'POST /nodes/pve/qemu')).toHaveLength(3);
  });

  it('deletes a VM, and sent only schema-valid requests', async () => {
    const client = harness.client();
    await client.deleteVm('pve', 503);
    await expect(client.vmConfig('pve', 503)).rejects.toMatchObject({ code: 'PVE_NOT_FOUND' });
    expect(contractViolations(harness.requests)).toEqual([]);
  });
});
