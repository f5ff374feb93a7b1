import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheLayout, providerMirror } from '@infra/toolchain';

/** tofu and the bpg provider, or a failure naming the fix (never a silent skip). */
export async function assertTofuToolchain(): Promise<void> {
  const layout = cacheLayout();
  const tofu = join(layout.binDir, 'tofu');
  const provider = providerMirror(layout, 'terraform-provider-proxmox', 'bpg/proxmox', '0.111.1');
  const missing: string[] = [];
  for (const [what, path] of [
    ['tofu', tofu],
    ['the bpg/proxmox provider', provider.binary],
  ] as const)
    if (
      !(await access(path).then(
        () => true,
        () => false,
      ))
    )
      missing.push(`${what} (${path})`);
  if (missing.length > 0)
    throw new Error(`these tests need ${missing.join(' and ')}: run \`./infra toolchain install\``);
}
