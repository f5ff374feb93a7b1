import type { FaultRule } from '@infra/pve-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGoldenWorkflow } from './testing/golden-workflow';
import {
  contractViolations,
  fakeQcow2,
  type SimHarness,
  serveFile,
  startHarness,
} from './testing/sim-harness';

/**
 * The golden workflow again, with the simulator misbehaving the way real networks and busy hosts do: slow
 * replies, dropped connections before and after the work is done (the reply is lost), 5xx from the proxy,
 * and lock time-outs. The result must be the same, and no VM may be created twice.
 */
const FAULTS: FaultRule[] = [
  { kind: 'latency', ms: 5, jitterMs: 15 },
  { kind: 'reset', when: 'before', method: 'GET', probability: 0.08 },
  { kind: 'reset', when: 'after', method: 'POST', path: '/nodes/*/qemu', times: 1 },
  { kind: 'reset', when: 'after', method: 'POST', path: '/nodes/*/qemu/*/template', times: 1 },
  { kind: 'error', status: 503, method: 'POST', path: '/nodes/*/qemu/*/clone', times: 1 },
  { kind: 'lock-timeout', scope: 'vm', method: 'POST', path: '/nodes/*/qemu/*/clone', times: 2 },
  { kind: 'error', status: 596, method: 'POST', path: '/cluster/mapping/pci', times: 1 },
  { kind: 'reset', when: 'after', method: 'PUT', path: '/nodes/*/qemu/*/config', times: 1 },
  { kind: 'reset', when: 'after', method: 'POST', path: '/nodes/*/qemu/*/status/start', times: 1 },
];

let harness: SimHarness;
let image: Awaited<ReturnType<typeof serveFile>>;

beforeAll(async () => {
  harness = await startHarness({ faults: FAULTS });
  image = await serveFile('talos.qcow2', fakeQcow2());
});
afterAll(async () => {
  await harness?.close();
  await image?.close();
});

describe('golden workflow under injected faults', () => {
  it('ends in the same state, with every fault exercised and no duplicate VM', async () => {
    const client = harness.client();
    const result = await runGoldenWorkflow(client, {
      node: 'pve',
      imageUrl: image.url,
      sha256: image.sha256,
      templateId: 9100,
      cloneId: 9101,
    });
    expect(result.templateConfig).toMatchObject({ template: true, name: 'talos-golden' });
    expect(result.cloneConfig).toMatchObject({ name: 'talos-cp-1', hostpci0: 'mapping=rtx4000ada,pcie=1' });
    expect(result.mappingMap).toHaveLength(1);

    const vms = (await client.clusterResources('vm')).filter((r) => r.type === 'qemu');
    expect(vms.map((v) => v.vmid).sort()).toEqual([9100, 9101]);
    const counted = (method: string, path: RegExp) =>
      harness.requests.filter((r) => r.method === method && path.test(r.path)).length;
    // The lost create reply was resolved by looking, not by sending the create again.
    expect(counted('POST', /^\/nodes\/pve\/qemu$/)).toBe(1);
    // The clone was refused twice on the lock and once with 503 before it went through: 4 sends, 1 clone.
    expect(counted('POST', /\/qemu\/9100\/clone$/)).toBe(4);

    for (const rule of harness.sim.faults.list()) {
      if (rule.kind !== 'latency')
        expect(rule.fired, `${rule.kind} ${rule.method} ${rule.path ?? ''}`).toBeGreaterThan(0);
    }
  });

  it('sent only requests that are valid under the official PVE 9.0 schema', () => {
    expect(contractViolations(harness.requests)).toEqual([]);
  });
});
