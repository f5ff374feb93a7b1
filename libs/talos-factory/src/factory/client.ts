import { InfraError } from '@infra/core';
import { z } from 'zod';
import type { TalosFactoryErrorCode } from '../error-codes';
import type { Schematic } from '../schematic/model';
import { parseSchematic, type ResolvedSchematic, resolveSchematic } from '../schematic/schematic';
import { compareTalosVersions, parseTalosVersion } from '../version';
import { ResponseCache } from './cache';
import { closeMatches } from './suggest';
import { factoryOrigin } from './urls';

export const ExtensionInfoSchema = z.object({
  name: z.string(),
  ref: z.string(),
  digest: z.string(),
  author: z.string().optional(),
  description: z.string().optional(),
});
export type ExtensionInfo = z.infer<typeof ExtensionInfoSchema>;

export const OverlayInfoSchema = z.object({
  name: z.string(),
  image: z.string(),
  ref: z.string(),
  digest: z.string(),
});
export type OverlayInfo = z.infer<typeof OverlayInfoSchema>;

const CreateResponseSchema = z.object({
  id: z.string().regex(/^[0-9a-f]{64}$/),
  schematic: z.string().optional(),
});

export interface FactoryClientOptions {
  /** e.g. https://factory.talos.dev */
  baseUrl: string;
  /** Directory for the response cache (the scripts use `<repo>/.infra/cache/factory`); no cache when unset. */
  cacheDir?: string;
  /** Cache lifetime of the versions / extension / overlay lists (default one hour). */
  ttlMs?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
  /** Told when a stale cache entry stands in for an unreachable factory. */
  onWarning?: (message: string) => void;
}

const HOUR = 3_600_000;

/**
 * Talos Image Factory HTTP client: schematics, versions, official extensions and overlays, with a TTL cache
 * on disk and errors that say which factory and what to do.
 */
export class FactoryClient {
  readonly baseUrl: string;
  private readonly cache: ResponseCache | undefined;
  private readonly ttlMs: number;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;
  private readonly warn: (message: string) => void;

  constructor(options: FactoryClientOptions) {
    this.baseUrl = factoryOrigin(options.baseUrl);
    this.cache = options.cacheDir ? new ResponseCache(options.cacheDir, this.baseUrl) : undefined;
    this.ttlMs = options.ttlMs ?? HOUR;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.fetchImpl = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
    this.warn = options.onWarning ?? (() => {});
  }

  private async request(path: string, init: RequestInit = {}): Promise<Response> {
    const url = `${this.baseUrl}${path}`;
    try {
      return await this.fetchImpl(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      throw new InfraError<TalosFactoryErrorCode>(
        'FACTORY_UNREACHABLE',
        `the Talos Image Factory at ${this.baseUrl} is unreachable (${cause})`,
        {
          hint: 'check the network and talos.factory in infra.config.yaml; use factory: embedded for the local simulator',
          details: { url },
          cause: error,
        },
      );
    }
  }

  private async failure(response: Response, what: string): Promise<InfraError> {
    const body = (await response.text().catch(() => '')).trim().slice(0, 500);
    return new InfraError<TalosFactoryErrorCode>(
      response.status >= 500 ? 'FACTORY_HTTP_ERROR' : 'FACTORY_REQUEST_REJECTED',
      `${what}: the factory at ${this.baseUrl} answered ${response.status}${body ? `: ${body}` : ''}`,
      { details: { status: response.status, url: response.url } },
    );
  }

  /** GET a JSON list, cached with the TTL; a stale entry is used (with a warning) when the factory is down. */
  private async cachedJson<T>(key: string, path: string, schema: z.ZodType<T>, what: string): Promise<T> {
    const cached = await this.cache?.read<unknown>(key);
    if (cached && this.now() - cached.fetchedAt < this.ttlMs) {
      const parsed = schema.safeParse(cached.data);
      if (parsed.success) return parsed.data;
    }
    let response: Response;
    try {
      response = await this.request(path);
    } catch (error) {
      const stale = cached ? schema.safeParse(cached.data) : undefined;
      if (stale?.success) {
        this.warn(
          `${(error as Error).message}; using the cached ${what} from ${new Date(cached?.fetchedAt ?? 0).toISOString()}`,
        );
        return stale.data;
      }
      throw error;
    }
    if (!response.ok) throw await this.failure(response, `cannot list ${what}`);
    const parsed = schema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) {
      throw new InfraError<TalosFactoryErrorCode>(
        'FACTORY_BAD_RESPONSE',
        `the factory at ${this.baseUrl} sent an unexpected ${what} list`,
        {
          details: { issues: parsed.error.issues.slice(0, 5) },
        },
      );
    }
    await this.cache?.write(key, `${this.baseUrl}${path}`, parsed.data, this.now());
    return parsed.data;
  }

  /** All Talos versions the factory can build, ascending. */
  versions(): Promise<string[]> {
    return this.cachedJson('versions', '/versions', z.array(z.string()), 'Talos versions');
  }

  /** Throws TALOS_VERSION_UNKNOWN (with the nearest versions) unless the factory knows `version`. */
  async assertVersion(version: string): Promise<string> {
    const wanted = parseTalosVersion(version).text;
    const known = await this.versions();
    if (known.includes(wanted)) return wanted;
    const sameLine = known.filter((v) => v.startsWith(wanted.split('.').slice(0, 2).join('.')));
    const suggestions = (sameLine.length > 0 ? sameLine : known).slice(-3);
    const newest = [...known].sort(compareTalosVersions).at(-1);
    throw new InfraError<TalosFactoryErrorCode>(
      'TALOS_VERSION_UNKNOWN',
      `the factory at ${this.baseUrl} has no Talos ${wanted}`,
      {
        hint: `set talos.version to a released version, e.g. ${suggestions.join(', ')} (newest: ${newest})`,
        details: { version: wanted, suggestions },
      },
    );
  }

  extensions(version: string): Promise<ExtensionInfo[]> {
    const v = parseTalosVersion(version).text;
    return this.cachedJson(
      `extensions-${v}`,
      `/version/${v}/extensions/official`,
      z.array(ExtensionInfoSchema),
      `official extensions for ${v}`,
    );
  }

  overlays(version: string): Promise<OverlayInfo[]> {
    const v = parseTalosVersion(version).text;
    return this.cachedJson(
      `overlays-${v}`,
      `/version/${v}/overlays/official`,
      z.array(OverlayInfoSchema),
      `official overlays for ${v}`,
    );
  }

  /** Throws FACTORY_UNKNOWN_EXTENSION naming each extension the version lacks, with close matches. */
  async assertExtensions(version: string, names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    const v = await this.assertVersion(version);
    const available = (await this.extensions(v)).map((e) => e.name);
    const missing = names.filter((n) => !available.includes(n));
    if (missing.length === 0) return;
    const lines = missing.map((m) => {
      const close = closeMatches(m, available);
      return `${m}${close.length > 0 ? ` (did you mean ${close.join(', ')}?)` : ''}`;
    });
    throw new InfraError<TalosFactoryErrorCode>(
      'FACTORY_UNKNOWN_EXTENSION',
      `official extension${missing.length > 1 ? 's' : ''} not available for Talos ${v}: ${lines.join('; ')}`,
      {
        hint: 'fix customization.systemExtensions.officialExtensions in the schematic (list them with `GET /version/<v>/extensions/official`)',
        details: { version: v, missing },
      },
    );
  }

  /**
   * Registers a schematic and checks that the factory's ID equals the offline one (a mismatch means our
   * canonical encoding and the factory disagree: better to stop than to build from an unexpected image).
   */
  async createSchematic(input: Schematic | ResolvedSchematic): Promise<ResolvedSchematic> {
    const resolved = 'canonical' in input ? input : resolveSchematic(input);
    const response = await this.request('/schematics', {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: resolved.canonical,
    });
    if (!response.ok) throw await this.failure(response, 'cannot register the schematic');
    const parsed = CreateResponseSchema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) {
      throw new InfraError<TalosFactoryErrorCode>(
        'FACTORY_BAD_RESPONSE',
        `the factory at ${this.baseUrl} sent an unexpected schematic response`,
      );
    }
    if (parsed.data.id !== resolved.id) {
      throw new InfraError<TalosFactoryErrorCode>(
        'FACTORY_SCHEMATIC_MISMATCH',
        `the factory at ${this.baseUrl} computed schematic ID ${parsed.data.id}, but the offline ID is ${resolved.id}`,
        {
          hint: 'the offline canonical encoding disagrees with this factory; compare the two canonical forms in the details and report it',
          details: { offline: resolved.canonical, factory: parsed.data.schematic },
        },
      );
    }
    return resolved;
  }

  /** The canonical schematic behind an ID (content-addressed, so cached without expiry). */
  async getSchematic(id: string): Promise<Schematic> {
    const key = `schematic-${id}`;
    const cached = await this.cache?.read<string>(key);
    if (cached && typeof cached.data === 'string')
      return parseSchematic(cached.data, `${this.baseUrl}/schematics/${id}`);
    const response = await this.request(`/schematics/${id}`);
    if (response.status === 404) {
      throw new InfraError<TalosFactoryErrorCode>(
        'FACTORY_SCHEMATIC_NOT_FOUND',
        `the factory at ${this.baseUrl} does not know schematic ${id}`,
        {
          hint: 'register it first (createSchematic / talos:build-image does this)',
        },
      );
    }
    if (!response.ok) throw await this.failure(response, `cannot read schematic ${id}`);
    const text = await response.text();
    const schematic = parseSchematic(text, `${this.baseUrl}/schematics/${id}`);
    await this.cache?.write(key, `${this.baseUrl}/schematics/${id}`, text, this.now());
    return schematic;
  }
}
