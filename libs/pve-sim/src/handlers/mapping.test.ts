import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataOf } from '../testing/client';
import { startTestSim, type TestSim } from '../testing/harness';

let t: TestSim;
beforeAll(async () => {
  t = await startTestSim();
});
afterAll(() => t.close());

const GPU_MAP = 'node=pve,path=0000:01:00,id=10de:27b2,iommugroup=14,subsystem-id=10de:181b';
type Mapping = {
  id: string;
  map: string[];
  digest: string;
  description?: string;
  checks?: Array<{ severity: string; message: string }>;
};

describe('PCI hardware listing', () => {
  it('lists devices with raw 0x ids, hides bridges by default, and carries the RTX 4000 Ada with its audio function', async () => {
    const devices = dataOf<Array<Record<string, unknown>>>(await t.api('GET', '/nodes/pve/hardware/pci'));
    expect(devices.find((d) => d.id === '0000:01:00.0')).toMatchObject({
      vendor: '0x10de',
      device: '0x27b2',
      class: '0x030000',
      iommugroup: 14,
      subsystem_device: '0x181b',
    });
    expect(devices.find((d) => d.id === '0000:01:00.1')).toMatchObject({ device: '0x22bc', iommugroup: 14 });
    expect(devices.some((d) => String(d.class).startsWith('0x06'))).toBe(false);
    const all = dataOf<unknown[]>(
      await t.api('GET', '/nodes/pve/hardware/pci', { params: { 'pci-class-blacklist': '' } }),
    );
    expect(all.length).toBeGreaterThan(devices.length);
    const terse = dataOf<Array<Record<string, unknown>>>(
      await t.api('GET', '/nodes/pve/hardware/pci', { params: { verbose: 0 } }),
    );
    expect(terse[0]?.vendor_name).toBeUndefined();
  });
});

describe('PCI resource mappings', () => {
  it('creates, refuses duplicates, updates with a digest, checks against the host, and deletes idempotently', async () => {
    expect(
      (
        await t.api('POST', '/cluster/mapping/pci', {
          params: { id: 'rtx4000ada', map: GPU_MAP, description: 'GPU' },
        })
      ).status,
    ).toBe(200);
    const dup = await t.api('POST', '/cluster/mapping/pci', { params: { id: 'rtx4000ada', map: GPU_MAP } });
    expect([dup.status, dup.body?.message]).toEqual([
      500,
      "create hardware mapping failed: pci ID 'rtx4000ada' already defined\n",
    ]);

    const entry = dataOf<Mapping>(await t.api('GET', '/cluster/mapping/pci/rtx4000ada'));
    expect(entry).toMatchObject({ id: 'rtx4000ada', map: [GPU_MAP], description: 'GPU' });
    expect(entry.digest).toMatch(/^[0-9a-f]{40}$/);
    const updated = await t.api('PUT', '/cluster/mapping/pci/rtx4000ada', {
      params: { digest: entry.digest, description: 'RTX 4000 Ada' },
    });
    expect(updated.status).toBe(200);
    const stale = await t.api('PUT', '/cluster/mapping/pci/rtx4000ada', {
      params: { digest: entry.digest, description: 'again' },
    });
    expect(stale.body?.message).toBe(
      'update hardware mapping failed: detected modified configuration - file changed by other user? Try again.\n',
    );
    const missing = await t.api('PUT', '/cluster/mapping/pci/nope', { params: { description: 'x' } });
    expect(missing.body?.message).toBe("update hardware mapping failed: pci ID 'nope' does not exist\n");

    // Two maps: one matching the host, one with a wrong subsystem id, one without subsystem-id.
    await t.api('POST', '/cluster/mapping/pci', {
      params: {
        id: 'wrong',
        map: 'node=pve,path=0000:01:00.0,id=10de:27b2,iommugroup=14,subsystem-id=10de:0000',
      },
    });
    await t.api('POST', '/cluster/mapping/pci', {
      params: { id: 'partial', map: 'node=pve,path=0000:01:00.0,id=10de:27b2' },
    });
    const checked = dataOf<Mapping[]>(
      await t.api('GET', '/cluster/mapping/pci', { params: { 'check-node': 'pve' } }),
    );
    const byId = Object.fromEntries(checked.map((m) => [m.id, m]));
    expect(byId.rtx4000ada?.checks).toEqual([]);
    expect(byId.wrong?.checks).toEqual([
      {
        severity: 'error',
        message: "Invalid configuration: 'subsystem-id' does not match for 'wrong' (10de:181b != 10de:0000)",
      },
    ]);
    expect(byId.partial?.checks).toEqual([
      {
        severity: 'error',
        message: "Invalid configuration: missing expected property 'subsystem-id' for device '0000:01:00.0'",
      },
    ]);
    const otherNode = dataOf<Mapping[]>(
      await t.api('GET', '/cluster/mapping/pci', { params: { 'check-node': 'pve2' } }),
    );
    expect(otherNode[0]?.checks).toEqual([{ severity: 'warning', message: 'No mapping for node pve2.' }]);

    expect((await t.api('DELETE', '/cluster/mapping/pci/partial')).status).toBe(200);
    expect((await t.api('DELETE', '/cluster/mapping/pci/partial')).status).toBe(200);
    expect(dataOf<Mapping[]>(await t.api('GET', '/cluster/mapping/pci')).map((m) => m.id)).toEqual([
      'rtx4000ada',
      'wrong',
    ]);
  });

  it('starts a VM that uses the mapping, and refuses a stale mapping, a missing one and pcie without q35', async () => {
    await t.run('POST', '/nodes/pve/qemu', {
      vmid: 700,
      machine: 'q35',
      hostpci0: 'mapping=rtx4000ada,pcie=1',
    });
    expect((await t.run('POST', '/nodes/pve/qemu/700/status/start')).exitstatus).toBe('OK');
    await t.run('POST', '/nodes/pve/qemu', {
      vmid: 701,
      machine: 'q35',
      hostpci0: 'mapping=rtx4000ada,pcie=1',
    });
    expect((await t.run('POST', '/nodes/pve/qemu/701/status/start')).exitstatus).toBe(
      "PCI device '0000:01:00' already in use by VMID '700'",
    );
    await t.run('POST', '/nodes/pve/qemu', { vmid: 702, machine: 'q35', hostpci0: 'mapping=wrong,pcie=1' });
    expect((await t.run('POST', '/nodes/pve/qemu/702/status/start')).exitstatus).toMatch(
      /^PCI device mapping invalid \(hardware probably changed\): 'subsystem-id' does not match/,
    );
    await t.run('POST', '/nodes/pve/qemu', { vmid: 703, hostpci0: 'mapping=ghost' });
    expect((await t.run('POST', '/nodes/pve/qemu/703/status/start')).exitstatus).toBe(
      "PCI device mapping not found for 'ghost'",
    );
    await t.run('POST', '/nodes/pve/qemu', { vmid: 704, hostpci0: 'mapping=rtx4000ada,pcie=1' });
    expect((await t.run('POST', '/nodes/pve/qemu/704/status/start')).exitstatus).toBe(
      'q35 machine model is not enabled',
    );
  });
});
