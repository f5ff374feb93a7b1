import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGoldenWorkflow } from './testing/golden-workflow';
import {
  contractViolations,
  fakeQcow2,
  type SimHarness,
  serveFile,
  startHarness,
} from './testing/sim-harness';

let harness: SimHarness;
let image: Awaited<ReturnType<typeof serveFile>>;

beforeAll(async () => {
  harness = await startHarness();
  image = await serveFile('talos.qcow2', fakeQcow2());
});
afterAll(async () => {
  await harness?.close();
  await image?.close();
});

describe('golden template workflow against the simulator', () => {
  it('imports, creates, templates, clones, maps the GPU and boots the clone', async () => {
    const client = harness.client();
    const result = await runGoldenWorkflow(client, {
      node: 'pve',
      imageUrl: image.url,
      sha256: image.sha256,
      templateId: 9000,
      cloneId: 9001,
    });
    expect(result.volid).toBe('local:import/talos-v1.13.9-nocloud-amd64.qcow2');
    expect(result.templateConfig).toMatchObject({ template: true, name: 'talos-golden', bios: 'ovmf' });
    expect(String(result.templateConfig.scsi0)).toMatch(/^local-lvm:base-9000-disk-\d+/);
    expect(result.cloneConfig).toMatchObject({ name: 'talos-cp-1', hostpci0: 'mapping=rtx4000ada,pcie=1' });
    expect(result.mappingMap).toHaveLength(1);
    expect(result.mappingMap[0]).toMatch(/path=0000:[0-9a-f]{2}:00\.0/);
    expect(result.agentAddresses.length).toBeGreaterThan(0);

    const vms = (await client.clusterResources('vm')).filter((r) => r.type === 'qemu');
    expect(vms.map((v) => v.vmid).sort()).toEqual([9000, 9001]);

    // The template holds its own copy of the disk, so the downloaded image can go.
    await client.deleteVolume('pve', 'local', result.volid);
    const left = await client.storageContent('pve', 'local', { content: 'import' });
    expect(left.map((v) => v.volid)).not.toContain(result.volid);
  });

  it('sent only requests that are valid under the official PVE 9.0 schema', () => {
    expect(harness.requests.length).toBeGreaterThan(20);
    expect(contractViolations(harness.requests)).toEqual([]);
  });
});
