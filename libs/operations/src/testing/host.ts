import { createSimRepo, type SimRepo, testSecrets } from '@infra/deploy/testing';
import type { Simulator } from '@infra/pve-sim';

export { REPO_ROOT } from '@infra/deploy/testing';
export const TOKEN_ID = 'infra@pve!ops';
export const TOKEN_SECRET = '5f0c7d2e-8a41-4b7e-9c55-2d6f1e3a9b80';

export interface HostOptions {
  nodes?: string[];
  /** ACL entries for the user infra@pve (default: Administrator on /). */
  acl?: Array<{ path: string; roleid: string }>;
  /** Extra lines under `environments.test:` (YAML, 4-space indent), e.g. a different bridge. */
  environmentYaml?: string[];
  /** Endpoint override (e.g. a closed port for the unreachable case). */
  endpoint?: (sim: Simulator) => string;
  /** The API token (default TOKEN_ID / TOKEN_SECRET); its user is created on the simulator. */
  token?: { id: string; secret: string };
  /** The secrets' admin.username (default `infra`). */
  adminUsername?: string;
}

/**
 * A throw-away repository around a simulator reached as a real endpoint (fingerprint pinned): a SOPS file with
 * the token, the repository's catalog with one environment `test`, and an `api` for arranging the host as
 * root would by hand.
 */
export type TestHost = SimRepo;

export function createTestHost(options: HostOptions = {}): Promise<TestHost> {
  const token = options.token ?? { id: TOKEN_ID, secret: TOKEN_SECRET };
  return createSimRepo({
    prefix: 'infra-ops-test-',
    nodes: options.nodes ?? ['pve'],
    token,
    ...(options.acl ? { acl: options.acl } : {}),
    agentBootMs: 100,
    secrets: testSecrets(token, { username: options.adminUsername ?? 'infra', keyComment: 'ops-test' }),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.environmentYaml ? { environmentYaml: options.environmentYaml } : {}),
  });
}
