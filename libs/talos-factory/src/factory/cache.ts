import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@infra/core';

/**
 * A small on-disk cache of factory responses (JSON), one file per request under
 * `<dir>/<hash of the factory URL>/`, with the time it was fetched. Entries never expire on their own; the
 * reader decides with a TTL, and may still use a stale entry when the factory is unreachable.
 */
export interface CacheEntry<T> {
  fetchedAt: number;
  url: string;
  data: T;
}

export class ResponseCache {
  private readonly dir: string;

  constructor(root: string, factoryUrl: string) {
    const host = createHash('sha256').update(factoryUrl).digest('hex').slice(0, 12);
    this.dir = join(root, host);
  }

  private file(key: string): string {
    return join(this.dir, `${key.replace(/[^a-zA-Z0-9._-]/g, '_')}.json`);
  }

  async read<T>(key: string): Promise<CacheEntry<T> | undefined> {
    try {
      const parsed = JSON.parse(await readFile(this.file(key), 'utf8')) as CacheEntry<T>;
      return typeof parsed.fetchedAt === 'number' ? parsed : undefined;
    } catch {
      return undefined; // missing or corrupt: refetch
    }
  }

  async write<T>(key: string, url: string, data: T, now: number): Promise<void> {
    const entry: CacheEntry<T> = { fetchedAt: now, url, data };
    await writeFileAtomic(this.file(key), `${JSON.stringify(entry)}\n`);
  }
}
