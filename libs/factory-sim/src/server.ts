import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { isInfraError, writeFileAtomic } from '@infra/core';
import { parseSchematic, parseTalosVersion, resolveSchematic, supports } from '@infra/talos-factory';
import { extensionsFor, knownVersion, overlaysFor, SIM_VERSIONS } from './catalog';
import { contentTypeOf, generateImage, parseImagePath } from './images';

export interface FactoryFault {
  /** Requests whose `METHOD /path` matches fail. */
  match: RegExp;
  status: number;
  body?: string;
  /** How many requests fail (default: all). */
  times?: number;
}

export interface FactorySimulatorOptions {
  /** 0 (default) picks a free port; always bound to 127.0.0.1. */
  port?: number;
  /** Where registered schematics persist between runs (e.g. `.infra/sim/factory`); in memory only when unset. */
  cacheDir?: string;
  faults?: FactoryFault[];
}

export interface FactoryRequestRecord {
  method: string;
  path: string;
  status: number;
}

export interface FactorySimulator {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Every request served, in order (for assertions). */
  readonly requests: FactoryRequestRecord[];
  readonly faults: FactoryFault[];
  /** IDs of registered schematics. */
  schematicIds(): string[];
  stop(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Starts a Talos Image Factory simulator on 127.0.0.1: schematic create/get (IDs from @infra/talos-factory),
 * versions, official extensions and overlays, image downloads (generated, reproducible) and iPXE scripts,
 * with the factory's status codes and plain-text error bodies.
 */
export async function startFactorySimulator(
  options: FactorySimulatorOptions = {},
): Promise<FactorySimulator> {
  const schematics = new Map<string, string>();
  const schematicDir = options.cacheDir ? join(options.cacheDir, 'schematics') : undefined;
  if (schematicDir) {
    await mkdir(schematicDir, { recursive: true });
    for (const name of await readdir(schematicDir)) {
      if (/^[0-9a-f]{64}\.yaml$/.test(name))
        schematics.set(name.slice(0, 64), await readFile(join(schematicDir, name), 'utf8'));
    }
  }
  const requests: FactoryRequestRecord[] = [];
  const faults = [...(options.faults ?? [])];

  const send = (
    res: ServerResponse,
    status: number,
    body: string | Buffer,
    type = 'text/plain; charset=utf-8',
    head = false,
  ) => {
    res.writeHead(status, {
      'content-type': type,
      'content-length': Buffer.byteLength(body),
      server: 'factory-sim',
      'x-request-id': randomUUID(),
    });
    res.end(head ? undefined : body);
  };
  const json = (res: ServerResponse, status: number, value: unknown) =>
    send(res, status, JSON.stringify(value), 'application/json');

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const parts = url.pathname.split('/').filter(Boolean);
    const head = method === 'HEAD';

    if (method === 'POST' && url.pathname === '/schematics') {
      const body = await readBody(req);
      let resolved: ReturnType<typeof resolveSchematic>;
      try {
        const schematic = parseSchematic(body, 'request body');
        if (schematic.owner) return send(res, 400, 'owner field is only supported in Enterprise edition\n');
        resolved = resolveSchematic(schematic);
      } catch (error) {
        if (isInfraError(error)) return send(res, 400, `${error.message}\n`);
        throw error;
      }
      if (!schematics.has(resolved.id)) {
        schematics.set(resolved.id, resolved.canonical);
        if (schematicDir)
          await writeFileAtomic(join(schematicDir, `${resolved.id}.yaml`), resolved.canonical);
      }
      return json(res, 201, { id: resolved.id, schematic: resolved.canonical });
    }
    if (method !== 'GET' && method !== 'HEAD') return send(res, 405, 'method not allowed\n');

    if (parts[0] === 'schematics' && parts.length === 2) {
      const canonical = schematics.get(parts[1] ?? '');
      return canonical
        ? send(res, 200, canonical, 'application/yaml', head)
        : send(res, 404, 'schematic not found\n');
    }
    if (url.pathname === '/versions')
      return json(res, 200, url.searchParams.get('broken') === 'true' ? [] : SIM_VERSIONS);
    if (parts[0] === 'version' && parts.length === 4 && parts[3] === 'official') {
      const version = knownVersion(parts[1] ?? '');
      if (!version) return send(res, 404, `version ${parts[1]} not found\n`);
      if (parts[2] === 'extensions') return json(res, 200, extensionsFor(version));
      if (parts[2] === 'overlays') return json(res, 200, overlaysFor(version));
    }
    if (parts[0] === 'image' && parts.length === 4)
      return image(res, parts[1] ?? '', parts[2] ?? '', parts[3] ?? '', url, head);
    if (parts[0] === 'pxe' && parts.length === 4)
      return pxe(res, url, parts[1] ?? '', parts[2] ?? '', parts[3] ?? '');
    if (url.pathname === '/healthz' || url.pathname === '/readyz') return send(res, 200, 'ok\n');
    return send(res, 404, 'not found\n');
  }

  /** Checks the schematic against the version the way the factory does when it builds an asset. */
  function assetProblem(id: string, versionText: string): { status: number; message: string } | undefined {
    const canonical = schematics.get(id);
    if (!canonical) return { status: 404, message: 'schematic not found' };
    const version = knownVersion(versionText);
    if (!version) return { status: 404, message: `version ${versionText} not found` };
    const schematic = parseSchematic(canonical);
    const available = new Set(extensionsFor(version).map((e) => e.name));
    for (const name of schematic.customization.systemExtensions?.officialExtensions ?? []) {
      if (!available.has(name))
        return {
          status: 400,
          message: `official extension "${name}" is not available for Talos version ${version}`,
        };
    }
    if (schematic.customization.embeddedMachineConfiguration && !supports(version, 'embeddedMachineConfig')) {
      return {
        status: 400,
        message: `embedded machine configuration is not supported for Talos version ${version}`,
      };
    }
    if (schematic.overlay?.name && !supports(version, 'overlays')) {
      return { status: 400, message: `overlays are not supported for Talos version ${version}` };
    }
    return undefined;
  }

  function image(
    res: ServerResponse,
    id: string,
    versionText: string,
    file: string,
    url: URL,
    head: boolean,
  ) {
    const problem = assetProblem(id, versionText);
    if (problem) return send(res, problem.status, `${problem.message}\n`);
    const path = parseImagePath(file);
    if (!path) return send(res, 404, `invalid profile path "${file}"\n`);
    const version = parseTalosVersion(versionText).text;
    const data = generateImage(id, version, file, path);
    const filename = url.searchParams.get('filename') ?? file;
    res.writeHead(200, {
      'content-type': contentTypeOf(path),
      'content-length': data.length,
      'content-disposition': `attachment; filename="${filename.replace(/["\\]/g, '_')}"`,
      server: 'factory-sim',
      'x-request-id': randomUUID(),
    });
    res.end(head ? undefined : data);
  }

  function pxe(res: ServerResponse, url: URL, id: string, versionText: string, target: string) {
    const problem = assetProblem(id, versionText);
    if (problem) return send(res, problem.status, `${problem.message}\n`);
    const m = /^([a-z-]+?)-(amd64|arm64)(-secureboot)?$/.exec(target);
    if (!m) return send(res, 404, `invalid PXE target "${target}"\n`);
    const [, platform, arch, sb] = m;
    const base = `${url.protocol}//${url.host}/image/${id}/${parseTalosVersion(versionText).text}`;
    const script = sb
      ? `#!ipxe\nkernel ${base}/${platform}-${arch}-secureboot-uki.efi\nboot\n`
      : `#!ipxe\nkernel ${base}/kernel-${arch} talos.platform=${platform} console=ttyS0\ninitrd ${base}/initramfs-${arch}.xz\nboot\n`;
    send(res, 200, script);
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    const key = `${req.method} ${url.pathname}`;
    const record: FactoryRequestRecord = { method: req.method ?? 'GET', path: url.pathname, status: 0 };
    requests.push(record);
    res.on('finish', () => {
      record.status = res.statusCode;
    });
    const fault = faults.find((f) => f.match.test(key) && (f.times === undefined || f.times > 0));
    if (fault) {
      if (fault.times !== undefined) fault.times--;
      return send(res, fault.status, fault.body ?? 'injected failure\n');
    }
    route(req, res, url).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, `internal error: ${(error as Error).message}\n`);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    faults,
    schematicIds: () => [...schematics.keys()],
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
