import { join } from 'node:path';
import type { ClusterSpec } from '@infra/config';
import type { EmbeddedHooks } from '@infra/proxmox-connect';
import type { TalosSim } from '@infra/talos-sim';

/**
 * The one place the cluster stage touches the Talos simulator (`endpoint: embedded`): it serves each node's
 * apid on the node's own 127.0.0.x, and the embedded Proxmox simulator's guest agent reports that address for
 * the node's VM (found by name: VMs are named by hostname). Production code paths never load @infra/talos-sim.
 */
export function talosGuestAddresses(cluster: ClusterSpec, prefixLength: number): EmbeddedHooks {
  const byName = new Map(Object.entries(cluster.nodes).map(([name, n]) => [name, n.ip]));
  return {
    guestAddresses: (vm) => {
      const ip = vm.name ? byName.get(vm.name) : undefined;
      // Not a node of the cluster: the simulator's default stable address per VMID.
      return ip
        ? [{ ip, prefix: prefixLength }]
        : [{ ip: `10.0.${vm.vmid % 250}.${(vm.vmid % 240) + 10}`, prefix: 24 }];
    },
  };
}

/** Every node address must be a loopback one for the simulator to serve it. */
export function nonLoopbackNodes(cluster: ClusterSpec): string[] {
  return Object.entries(cluster.nodes)
    .filter(([, n]) => !n.ip.startsWith('127.'))
    .map(([name, n]) => `${name} (${n.ip})`);
}

export async function startEmbeddedTalos(options: {
  simDir: string;
  cluster: ClusterSpec;
  templateImage: string;
  signal?: AbortSignal;
}): Promise<TalosSim> {
  const { startTalosSim } = await import('@infra/talos-sim');
  return startTalosSim({
    stateDir: join(options.simDir, 'talos'),
    nodes: Object.values(options.cluster.nodes).map((n) => n.ip),
    templateImage: options.templateImage,
    // Keeps serving after `./infra up`, so talosctl reaches the nodes; the next run reuses it.
    detach: true,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
