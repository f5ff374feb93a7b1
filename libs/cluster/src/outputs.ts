import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InfraError, registerSecret, writeFileAtomic } from '@infra/core';
import type { ClusterErrorCode } from './error-codes';

export interface WrittenCredentials {
  dir: string;
  kubeconfig: string;
  talosconfig: string;
}

/** Where an environment's cluster credentials go: `<repo>/.infra/clusters/<env>/` (ignored by git). */
export const credentialsDir = (repoRoot: string, envName: string) =>
  join(repoRoot, '.infra', 'clusters', envName);

/**
 * Writes the kubeconfig and talosconfig from the stage's outputs to 0600 files in a 0700 directory (atomically:
 * never half a file). Their contents are registered with the redactor first, so no log line can carry them.
 */
export async function writeCredentials(
  dir: string,
  outputs: Record<string, { value: unknown; sensitive: boolean }>,
): Promise<WrittenCredentials> {
  const read = (name: string) => {
    const value = outputs[name]?.value;
    if (typeof value !== 'string' || value.trim() === '')
      throw new InfraError<ClusterErrorCode>(
        'CLUSTER_OUTPUT_MISSING',
        `the cluster root module produced no ${name} output`,
        {
          hint: 'the apply did not finish: run ./infra up again',
        },
      );
    registerSecret(value);
    return value;
  };
  const kubeconfigText = read('kubeconfig');
  const talosconfigText = read('talosconfig');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const kubeconfig = join(dir, 'kubeconfig');
  const talosconfig = join(dir, 'talosconfig');
  await writeFileAtomic(kubeconfig, kubeconfigText, { mode: 0o600 });
  await writeFileAtomic(talosconfig, talosconfigText, { mode: 0o600 });
  return { dir, kubeconfig, talosconfig };
}

/** What to run next, for people (paths relative to the repo when they are inside it). */
export function nextSteps(written: WrittenCredentials, relativeTo: (p: string) => string): string[] {
  return [
    `kubectl --kubeconfig ${relativeTo(written.kubeconfig)} get nodes`,
    `talosctl --talosconfig ${relativeTo(written.talosconfig)} dashboard`,
    `talosctl --talosconfig ${relativeTo(written.talosconfig)} version`,
  ];
}
