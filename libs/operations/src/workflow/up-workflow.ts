import type { WorkflowDeclaration } from './graph';

/**
 * `up` (`./infra up [env]`), declared as data. deploy and bootstrap are both the cluster stage of
 * @infra/cluster: its one `tofu apply` clones the nodes, applies the machine configs and bootstraps etcd (the
 * talos provider's bootstrap resource and health gate); the `bootstrap` step is the check afterwards, with
 * the real talosctl, that the cluster did bootstrap (and the `talosctl bootstrap` call if it did not).
 */
export const UP_WORKFLOW = {
  name: 'up',
  steps: [
    {
      id: 'doctor',
      description:
        'preflight of the Proxmox host: endpoint and TLS, privileges, storages, bridge, VMIDs, GPU mapping',
      needs: [],
    },
    {
      id: 'build-images',
      description: 'the content-addressed Talos GPU template (found by its fingerprint tag, else built)',
      needs: ['doctor'],
    },
    {
      id: 'deploy',
      description:
        'cluster stage: tofu apply of terraform/clusters/talos (clone nodes, machine configs, bootstrap, health gate), kubeconfig + talosconfig',
      needs: ['build-images'],
    },
    {
      id: 'bootstrap',
      description:
        'talosctl: every node answers, etcd runs and lists every control plane (bootstraps it if not)',
      needs: ['deploy'],
    },
    {
      id: 'platform',
      description:
        "the GPU platform's cluster-critical manifests: what the control planes received == what renders now (re-applies the cluster stage if not)",
      needs: ['bootstrap'],
    },
  ],
} as const satisfies WorkflowDeclaration;

export type UpStepId = (typeof UP_WORKFLOW.steps)[number]['id'];
export const UP_STEP_IDS = UP_WORKFLOW.steps.map((s) => s.id) as unknown as readonly [
  UpStepId,
  ...UpStepId[],
];
