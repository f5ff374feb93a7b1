import type { ClusterSpec, Environment } from '@infra/config';
import { InfraError } from '@infra/core';
import { clusterLabel } from './checks';
import type { ClusterErrorCode } from './error-codes';

/** Talos' API (apid) port: what the provider and talosctl dial on every node. */
export const TALOS_API_PORT = 50000;

/** Whether something accepts a TCP connection at host:port within timeoutMs. */
export type PortProbe = (host: string, port: number, timeoutMs: number) => Promise<boolean>;

/** A Proxmox VM as /cluster/resources lists it (the fields this check reads). */
export interface VmResource {
  vmid?: number | undefined;
  name?: string | undefined;
  status?: string | undefined;
}

export interface ReachabilityOptions {
  probe: PortProbe;
  /** The Proxmox cluster's VMs (GET /cluster/resources?type=vm). */
  vms: VmResource[];
  /** `endpoint: embedded`: the Talos simulator serves every node address before its VM exists. */
  embedded: boolean;
  timeoutMs?: number;
  /**
   * How long a node that must answer may take to start answering (default 0: one probe). The embedded
   * simulator brings a worker's apid up only once its control plane's is, a moment after it starts.
   */
  settleMs?: number;
}

/**
 * Which nodes' Talos API must answer before tofu runs, and which addresses must still be free, checked before
 * anything is created. A node whose VM already runs (same VMID and hostname) must answer on its IP, or the apply
 * would hang on it until the provider's timeout; so must every node the embedded simulator serves. A node
 * still to be created must not have its address answered by some other machine's Talos API: the provider
 * would configure that machine. Each failure names the field, what was found and the fix.
 */
export async function checkNodesReachable(
  environment: Pick<Environment, 'name'>,
  cluster: Pick<ClusterSpec, 'nodes'>,
  options: ReachabilityOptions,
): Promise<void> {
  const label = clusterLabel(environment);
  const timeoutMs = options.timeoutMs ?? 3000;
  const running = new Set(
    options.vms.filter((vm) => vm.status === 'running').map((vm) => `${vm.vmid}/${vm.name}`),
  );
  const nodes = Object.entries(cluster.nodes);
  const mustAnswer = (name: string, vmid: number) => options.embedded || running.has(`${vmid}/${name}`);
  const deadline = Date.now() + (options.settleMs ?? 0);
  const answers = await Promise.all(
    nodes.map(async ([name, node]) => {
      for (;;) {
        const answered = await options.probe(node.ip, TALOS_API_PORT, timeoutMs);
        if (answered || !mustAnswer(name, node.vmid) || Date.now() >= deadline) return answered;
        await new Promise((r) => setTimeout(r, 250));
      }
    }),
  );
  nodes.forEach(([name, node], i) => {
    const exists = running.has(`${node.vmid}/${name}`);
    const answered = answers[i]!;
    if ((options.embedded || exists) && !answered)
      throw new InfraError<ClusterErrorCode>(
        'CLUSTER_NODE_UNREACHABLE',
        `${label}.nodes.${name}.ip: nothing answers on ${node.ip}:${TALOS_API_PORT} (Talos API) within ${timeoutMs} ms, but ${options.embedded ? 'the embedded Talos simulator should serve it' : `VM ${node.vmid} (${name}) is running`}`,
        {
          hint: options.embedded
            ? `give ${name} a free 127.0.0.x address (another process may hold ${node.ip}:${TALOS_API_PORT}) or restart the simulator`
            : `fix ${name}'s address (its VM's network, or nodes.${name}.ip) so ${node.ip}:${TALOS_API_PORT} is reachable from here, then run again`,
        },
      );
    if (!options.embedded && !exists && answered)
      throw new InfraError<ClusterErrorCode>(
        'CLUSTER_IP_IN_USE',
        `${label}.nodes.${name}.ip: ${node.ip}:${TALOS_API_PORT} already answers, but ${name}'s VM ${node.vmid} does not exist yet: another machine holds the address`,
        { hint: `give ${name} a free address (or remove the machine that has ${node.ip})` },
      );
  });
}
