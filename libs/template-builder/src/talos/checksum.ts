import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InfraError, writeFileAtomic } from '@infra/core';
import type { TemplateBuilderErrorCode } from '../error-codes';

/**
 * The factory publishes no checksums, so the builder streams the image once through sha256 and hands the
 * digest to Proxmox's download-url, which verifies its own copy against it: two independent downloads must
 * agree. Digests are cached by URL (images are immutable per schematic + version), so this happens once.
 */
export async function imageSha256(
  url: string,
  options: { cacheDir?: string; fetch?: typeof fetch } = {},
): Promise<string> {
  const key = createHash('sha256').update(url).digest('hex').slice(0, 32);
  const file = options.cacheDir ? join(options.cacheDir, 'checksums', `${key}.json`) : undefined;
  if (file) {
    const cached = await readFile(file, 'utf8')
      .then((t) => JSON.parse(t) as { url?: string; sha256?: string })
      .catch(() => undefined);
    if (cached?.url === url && typeof cached.sha256 === 'string') return cached.sha256;
  }
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url);
  } catch (error) {
    throw new InfraError<TemplateBuilderErrorCode>(
      'FACTORY_UNREACHABLE',
      `cannot download ${url} (${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message})`,
      {
        hint: 'check the network and talos.factory in infra.config.yaml',
        cause: error,
      },
    );
  }
  if (!response.ok || !response.body) {
    const body = (await response.text().catch(() => '')).trim().slice(0, 300);
    throw new InfraError<TemplateBuilderErrorCode>(
      'FACTORY_IMAGE_UNAVAILABLE',
      `the factory cannot serve ${url}: ${response.status}${body ? ` ${body}` : ''}`,
      {
        hint: 'check talos.version, talos.platform and the schematic extensions for that version',
      },
    );
  }
  const hash = createHash('sha256');
  for await (const chunk of response.body) hash.update(chunk);
  const sha256 = hash.digest('hex');
  if (file) await writeFileAtomic(file, `${JSON.stringify({ url, sha256 })}\n`);
  return sha256;
}
