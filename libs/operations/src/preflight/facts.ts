import type { HeldPrivileges } from './privileges';

/** What the preflight observed on the host, read-only; the checks (checks.ts) are pure functions of it. */
export interface HostFacts {
  /** `GET /version`: `9.0.3` etc. */
  pveVersion: string;
  onlineNodes: string[];
  /** Storages the node can use, from `GET /nodes/{node}/storage`. */
  storages: Array<{ id: string; type: string; content: string[] }>;
  /** Bridges of the node, `GET /nodes/{node}/network?type=any_bridge`. */
  bridges: string[];
  /** Every VM and template of the cluster, `GET /cluster/resources?type=vm`. */
  vms: Array<{ vmid: number; name: string; node: string; tags: string[]; template: boolean }>;
  /** The configured PCI mapping (with PVE's own checks against the node), or undefined when absent. */
  mapping?: { id: string; map: string[]; checks: Array<{ severity: string; message: string }> };
  /** The node's PCI devices (`GET /nodes/{node}/hardware/pci`). */
  pci: Array<{
    id: string;
    vendor: string;
    device: string;
    class: string;
    subsystemVendor?: string;
    subsystemDevice?: string;
    iommugroup: number;
  }>;
  /** The token's privileges per ACL path asked about. */
  held: HeldPrivileges;
}

/** The environment's wishes the checks compare against (from infra.config.yaml). */
export interface Wanted {
  configLabel: string;
  tokenId: string;
  node: string;
  bridge: string;
  imageStorage: string;
  diskStorage: string;
  vmidRange: { start: number; end: number };
  gpu: { mapping: string; vendor: string; class: string };
  talosVersion: string;
  /** Unset: Talos picks its own default Kubernetes version, which it supports by definition. */
  kubernetesVersion?: string;
}

export type CheckStatus = 'ok' | 'warn' | 'fail';

/** One line of the doctor's report; a failure carries the exact command that fixes it. */
export interface Finding {
  check: string;
  status: CheckStatus;
  message: string;
  fix?: string;
}
