import type { ClusterSpec } from '@infra/config';
import { describe, expect, it } from 'vitest';
import { nonLoopbackNodes, talosGuestAddresses } from './embedded';

const cluster = {
  nodes: {
    'cp-1': { role: 'controlplane', vmid: 201, ip: '127.0.0.11', size: 'medium', gpu: false },
    'gpu-1': { role: 'worker', vmid: 211, ip: '192.168.1.31', size: 'gpu', gpu: true },
  },
} as unknown as ClusterSpec;

describe('embedded Talos adapter', () => {
  it("has the guest agent report a node VM's own address, found by the VM name", () => {
    const { guestAddresses } = talosGuestAddresses(cluster, 8);
    expect(guestAddresses?.({ vmid: 201, node: 'pve', name: 'cp-1', mac: '' })).toEqual([
      { ip: '127.0.0.11', prefix: 8 },
    ]);
    expect(guestAddresses?.({ vmid: 300, node: 'pve', name: 'other', mac: '' })?.[0]?.ip).toMatch(/^10\.0\./);
  });
  it('lists the nodes the simulator cannot serve', () => {
    expect(nonLoopbackNodes(cluster)).toEqual(['gpu-1 (192.168.1.31)']);
  });
});
