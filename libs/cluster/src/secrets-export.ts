import { readFile } from 'node:fs/promises';
import type { Environment } from '@infra/config';
import { InfraError, registerSecret } from '@infra/core';
import type { ClusterErrorCode } from './error-codes';
import type { WrittenCredentials } from './outputs';

/**
 * Puts the cluster's talosconfig and kubeconfig into the environment's SOPS file (`talos.talosconfig`,
 * `kubeconfig`, the fields @infra/sops-secrets declares), so they can be restored on another machine. The file
 * is decrypted into memory, updated, and re-encrypted for the recipients .sops.yaml names; plaintext never
 * touches the disk. Returns whether anything changed (the same values again: no rewrite).
 */
export async function exportCredentialsToSops(
  environment: Pick<Environment, 'repoRoot' | 'secrets' | 'ageKeyFile'>,
  credentials: Pick<WrittenCredentials, 'kubeconfig' | 'talosconfig'>,
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<{ changed: boolean; file: string }> {
  const { decryptData, encryptToFile, secretsProject, sopsContextFor } = await import('@infra/sops-secrets');
  const [kubeconfig, talosconfig] = await Promise.all(
    [credentials.kubeconfig, credentials.talosconfig].map((path) =>
      readFile(path, 'utf8').catch(() => {
        throw new InfraError<ClusterErrorCode>('CLUSTER_CREDENTIALS_MISSING', `${path} does not exist`, {
          hint: 'bring the cluster up first: ./infra up',
        });
      }),
    ),
  );
  registerSecret(kubeconfig!);
  registerSecret(talosconfig!);
  const project = secretsProject(environment.repoRoot, {
    ...(environment.ageKeyFile ? { environmentKeys: { [environment.secrets]: environment.ageKeyFile } } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
  const context = await sopsContextFor(project, environment.secrets);
  const data = await decryptData(environment.secrets, context);
  const talos = (data.talos && typeof data.talos === 'object' ? data.talos : {}) as Record<string, unknown>;
  if (data.kubeconfig === kubeconfig && talos.talosconfig === talosconfig)
    return { changed: false, file: environment.secrets };
  await encryptToFile(
    environment.secrets,
    { ...data, talos: { ...talos, talosconfig }, kubeconfig },
    context,
  );
  return { changed: true, file: environment.secrets };
}
