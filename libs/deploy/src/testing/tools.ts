import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheLayout, providerMirror } from '@infra/toolchain';

/**
 * The real tools the deploy tests need. Missing tools fail the test with the fix (CI runs setup first);
 * they are never skipped silently.
 */
export async function assertDeployToolchain(): Promise<void> {
  const layout = cacheLayout();
  const missing: string[] = [];
  const tofu = join(layout.binDir, 'tofu');
  if (!(await exists(tofu))) missing.push(`tofu (${tofu})`);
  const provider = providerMirror(layout, 'terraform-provider-proxmox', 'bpg/proxmox', '0.111.1');
  if (!(await exists(provider.binary))) missing.push(`the bpg/proxmox provider (${provider.binary})`);
  if (missing.length > 0)
    throw new Error(`deploy tests need ${missing.join(' and ')}: run \`./infra toolchain install\``);
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );
