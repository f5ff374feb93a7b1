import type { ClusterSpec } from '@infra/config';
import { describe, expect, it } from 'vitest';
import { clusterVariables, installerImage, isGpuPatch } from './inputs';

const cluster: ClusterSpec = {
  name: 'homelab',
  network: { prefixLength: 8, gateway: '127.0.0.1', dnsServers: [] },
  nodes: {
    'cp-1': { role: 'controlplane', vmid: 201, ip: '127.0.0.11', size: 'medium', gpu: false },
    'gpu-1': { role: 'worker', vmid: 211, ip: '127.0.0.21', size: 'gpu', gpu: true, node: 'pve2' },
  },
  health: { timeout: '5m', skipKubernetesChecks: true },
};
const environment = {
  proxmox: { node: 'pve' },
  talos: { version: 'v1.13.9', platform: 'nocloud', kubernetesVersion: '1.36.3' },
  gpu: { mapping: 'rtx4000ada' },
} as Parameters<typeof clusterVariables>[0];

describe('clusterVariables', () => {
  it('maps the config to the module: nodes keyed by hostname, default Proxmox node, GPU mapping', () => {
    const vars = clusterVariables(environment, cluster, {
      schematicId: 'a'.repeat(64),
      configPatches: ['p1'],
      gpuConfigPatches: ['nvidia'],
      inlineManifests: [{ name: 'runtimeclass', contents: 'kind: RuntimeClass' }],
      talosctl: '/x/talosctl',
      templateTalosVersion: 'v1.13.9',
    });
    expect(vars).toMatchObject({
      talos_version: 'v1.13.9',
      schematic_id: 'a'.repeat(64),
      gpu_mapping: 'rtx4000ada',
      cluster: {
        kubernetes_version: '1.36.3',
        nodes: {
          'cp-1': { role: 'controlplane', node: 'pve', vm_id: 201, ip: '127.0.0.11', gpu: false },
          'gpu-1': { role: 'worker', node: 'pve2', vm_id: 211, size: 'gpu', gpu: true },
        },
        network: { prefix_length: 8, gateway: '127.0.0.1', dns_servers: [] },
        health: { timeout: '5m', skip_kubernetes_checks: true },
      },
      config_patches: ['p1'],
      gpu_config_patches: ['nvidia'],
      inline_manifests: [{ name: 'runtimeclass', contents: 'kind: RuntimeClass' }],
      talosctl: '/x/talosctl',
      template_talos_version: 'v1.13.9',
    });
  });

  it('sends no GPU mapping when no node has the GPU', () => {
    const noGpu = { ...cluster, nodes: { 'cp-1': cluster.nodes['cp-1']! } };
    const vars = clusterVariables(environment, noGpu, {
      schematicId: 'a'.repeat(64),
      configPatches: [],
      gpuConfigPatches: [],
      inlineManifests: [],
      talosctl: 'talosctl',
      templateTalosVersion: 'v1.13.9',
    });
    expect(vars.gpu_mapping).toBeNull();
  });
});

describe('installer and patches', () => {
  it('is the factory installer of the schematic for the version', () => {
    expect(installerImage('nocloud', 'b'.repeat(64), 'v1.13.10')).toBe(
      `factory.talos.dev/nocloud-installer/${'b'.repeat(64)}:v1.13.10`,
    );
  });
  it('tells the NVIDIA patch by its file name', () => {
    expect(isGpuPatch('/repo/talos/patches/nvidia.yaml')).toBe(true);
    expect(isGpuPatch('/repo/talos/patches/install-disk.yaml')).toBe(false);
  });
});
