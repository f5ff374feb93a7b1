import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import type { Secrets } from '@infra/sops-secrets';
import { createSimRepo, REPO_ROOT, type SimRepo, testSecrets } from './sim-repo';

/**
 * A throw-away repository for deploy tests against the real tofu and bpg provider: a simulator (one node or
 * a cluster) reached as a *real* endpoint with its fingerprint pinned (so the TLS trust handoff is what lets
 * tofu in), a SOPS file with the token and state passphrase, the fixture root module next to a copy of
 * terraform/modules/proxmox-vm, and a request log for the official-schema contract check.
 */
export const TEMPLATE_TAG = 'fp-0123456789abcdef01234567';

export interface World extends SimRepo {
  secrets: Secrets;
  /** The copy of the fixture root module (with the repository's lock file). */
  rootDir: string;
}

export interface WorldOptions {
  nodes?: string[];
  /** Storage of the template disks; a shared one lets every node clone it. */
  templateStorage?: string;
  /** Nodes that get a template of their own (node-local storage). */
  templateNodes?: string[];
  environment?: Partial<{ node: string; disks: string }>;
  /** Overrides of the secrets (e.g. a wrong token, a pg URL). */
  secrets?: (secrets: Secrets) => Secrets;
  /** Root module to copy (default the fixture); its `../modules/proxmox-vm` is provided. */
  fixture?: string;
}

export async function createWorld(options: WorldOptions = {}): Promise<World> {
  const nodes = options.nodes ?? ['pve'];
  const token = { id: 'infra@pve!deploy', secret: '4b3f2c1d-aaaa-4bbb-8ccc-0123456789ab' };
  const base = testSecrets(token, { username: 'infra', keyComment: 'deploy-test' });
  const secrets = options.secrets ? options.secrets(base) : base;
  const repo = await createSimRepo({
    prefix: 'infra-deploy-test-',
    nodes,
    token,
    agentBootMs: 200,
    secrets,
    ...(options.environment?.node ? { node: options.environment.node } : {}),
    proxmoxYaml: [
      '      bridge: vmbr0',
      `      storage: { images: local, disks: ${options.environment?.disks ?? 'local-lvm'} }`,
    ],
    environmentYaml: ['    templates: { vmidRange: { start: 9000, end: 9099 } }'],
  });
  try {
    const storage = options.templateStorage ?? 'local-lvm';
    for (const [i, node] of (options.templateNodes ?? [nodes[0]!]).entries()) {
      const vmid = 9000 + i;
      await repo.api('POST', `/nodes/${node}/qemu`, {
        vmid,
        name: `golden-${node}`,
        scsi0: `${storage}:2`,
        scsihw: 'virtio-scsi-single',
        ide2: `${storage}:cloudinit`,
        net0: 'virtio,bridge=vmbr0',
        agent: 'enabled=1',
        ostype: 'l26',
        tags: `infra;${TEMPLATE_TAG}`,
      });
      await repo.api('POST', `/nodes/${node}/qemu/${vmid}/template`);
    }
    const rootDir = join(repo.dir, 'root');
    await cp(options.fixture ?? join(REPO_ROOT, 'libs/deploy/testing/fixture-vms'), rootDir, {
      recursive: true,
    });
    await cp(join(REPO_ROOT, 'terraform/modules/proxmox-vm'), join(repo.dir, 'modules/proxmox-vm'), {
      recursive: true,
    });
    await cp(
      join(REPO_ROOT, 'terraform/environments/local/.terraform.lock.hcl'),
      join(rootDir, '.terraform.lock.hcl'),
    );
    return { ...repo, secrets, rootDir };
  } catch (error) {
    await repo.close();
    throw error;
  }
}

export const MUTATING_METHODS = new Set(['POST', 'PUT', 'DELETE']);
