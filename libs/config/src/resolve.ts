import { isAbsolute, resolve as resolvePath } from 'node:path';
import { InfraError } from '@infra/core';
import type { z } from 'zod';
import type { ConfigErrorCode } from './error-codes';
import type { LoadedFile } from './load';
import { isPlainObject, type Layer, mergeLayers, type Plain, type Provenance } from './merge';
import { environmentSchema, fileSchema, layerKeys } from './schema';

type EnvironmentShape = z.infer<typeof environmentSchema>;

/** One environment with every default filled in and every path made absolute. */
export interface Environment extends EnvironmentShape {
  name: string;
  repoRoot: string;
  configFile: string;
}

export interface ResolvedEnvironment {
  environment: Environment;
  /** dotted path → the layer that set it ("catalog", "environments.prod", or "default"). */
  provenance: Provenance;
}

export function environmentNames(loaded: LoadedFile): string[] {
  return Object.keys(parseFile(loaded).environments);
}

export function resolveEnvironment(loaded: LoadedFile, name: string): ResolvedEnvironment {
  const file = parseFile(loaded);
  const chain = inheritanceChain(loaded, file.environments, name);
  checkLayer(loaded, file.catalog as Plain, ['catalog']);
  const layers: Layer[] = [{ name: 'catalog', value: file.catalog as Plain }];
  for (const envName of chain) {
    const { extends: _parent, ...body } = file.environments[envName]!;
    checkLayer(loaded, body, ['environments', envName]);
    layers.push({ name: `environments.${envName}`, value: body });
  }
  const { value, provenance } = mergeLayers(layers);
  const parsed = environmentSchema.safeParse(value);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const where = issue.path.join('.');
      const setBy =
        (Object.hasOwn(provenance, where) ? provenance[where] : undefined) ?? layerSetting(provenance, where);
      const layerPath = setBy ? [...setBy.split('.'), ...issue.path.map(String)] : undefined;
      const position = layerPath ? loaded.locate(layerPath) : undefined;
      const prefix = position ? `${loaded.file}:${position}` : loaded.file;
      const missing = setBy === undefined;
      return missing
        ? `${prefix}: environment "${name}": ${where} is required but neither the catalog nor any environment in [${chain.join(' → ')}] sets it (${issue.message})`
        : `${prefix}: ${setBy}.${where}: ${issue.message}`;
    });
    throw invalid(lines);
  }
  if (parsed.data.ageKeyFile !== undefined && parsed.data.proxmox.endpoint !== 'embedded') {
    throw demoKeyOnRealEndpoint(loaded, name, provenance, parsed.data.proxmox.endpoint);
  }
  const environment = absolutePaths({
    ...parsed.data,
    name,
    repoRoot: loaded.repoRoot,
    configFile: loaded.file,
  });
  markDefaults(environment, provenance);
  return { environment, provenance };
}

// --- internal ---

function parseFile(loaded: LoadedFile) {
  const reserved = reservedKeyPaths(loaded.raw, []);
  if (reserved.length > 0) {
    throw invalid(
      reserved.map((path) => {
        const position = loaded.locate(path);
        return `${loaded.file}${position ? `:${position}` : ''}: ${path.join('.')}: unknown key "__proto__" (reserved; no setting or environment has that name)`;
      }),
    );
  }
  const parsed = fileSchema.safeParse(loaded.raw);
  if (!parsed.success) {
    throw invalid(
      parsed.error.issues.map((issue) => {
        const position = loaded.locate(issue.path);
        return `${loaded.file}${position ? `:${position}` : ''}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`;
      }),
    );
  }
  return parsed.data;
}

/** Records (environments, images) would drop a `__proto__` key silently; it is never a valid key, so say so. */
function reservedKeyPaths(node: unknown, path: string[]): string[][] {
  if (!isPlainObject(node)) return [];
  return Object.keys(node).flatMap((key) =>
    key === '__proto__' ? [[...path, key]] : reservedKeyPaths(node[key], [...path, key]),
  );
}

function inheritanceChain(loaded: LoadedFile, envs: Record<string, Plain>, name: string): string[] {
  // Own keys only: `in` would find `constructor`, `toString` or `__proto__` on Object.prototype.
  if (!Object.hasOwn(envs, name)) {
    throw new InfraError<ConfigErrorCode>(
      'CONFIG_UNKNOWN_ENVIRONMENT',
      `${loaded.file}: no environment "${name}" under environments:`,
      {
        hint: `known environments: ${Object.keys(envs).join(', ')}`,
      },
    );
  }
  const chain: string[] = [];
  for (let current: string | undefined = name; current !== undefined; ) {
    if (chain.includes(current)) {
      throw new InfraError<ConfigErrorCode>(
        'CONFIG_CYCLE',
        `${loaded.file}: environments.${name}: inheritance cycle ${[...chain, current].join(' → ')}`,
        {
          hint: 'remove one of the "extends" links so that every chain ends at the catalog',
        },
      );
    }
    chain.push(current);
    const parent: unknown = envs[current]?.extends;
    if (parent !== undefined && typeof parent !== 'string') {
      throw invalid([
        `${loaded.file}:${loaded.locate(['environments', current, 'extends']) ?? ''}: environments.${current}.extends: expected an environment name`,
      ]);
    }
    if (parent !== undefined && !Object.hasOwn(envs, parent)) {
      throw new InfraError<ConfigErrorCode>(
        'CONFIG_UNKNOWN_ENVIRONMENT',
        `${loaded.file}: environments.${current}.extends: no environment "${parent}"`,
        {
          hint: `known environments: ${Object.keys(envs).join(', ')}`,
        },
      );
    }
    current = parent;
  }
  return chain.reverse();
}

/** Unknown keys and wrong types are reported against the layer that wrote them; missing keys wait for the merge. */
function checkLayer(loaded: LoadedFile, layer: Plain, at: string[]): void {
  const problems: string[] = [];
  for (const key of Object.keys(layer)) {
    if (!layerKeys.includes(key)) {
      problems.push(
        `${loaded.file}:${loaded.locate([...at, key]) ?? ''}: ${[...at, key].join('.')}: unknown key "${key}"; expected one of ${layerKeys.join(', ')}`,
      );
    }
  }
  const result = environmentSchema.safeParse(layer);
  if (!result.success) {
    for (const issue of result.error.issues) {
      if (valueAt(layer, issue.path) === undefined) continue;
      if (issue.path.length === 0) continue;
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
      for (const key of keys) {
        const path = [...at, ...issue.path.map(String), ...(key === undefined ? [] : [key])];
        const message = key === undefined ? issue.message : `unknown key "${key}"`;
        const position = loaded.locate(path);
        problems.push(`${loaded.file}${position ? `:${position}` : ''}: ${path.join('.')}: ${message}`);
      }
    }
  }
  if (problems.length > 0) throw invalid(problems);
}

/**
 * `ageKeyFile` is the demo mechanism (a per-clone key under .infra/ for the simulators' credentials). On a
 * real endpoint it would mean real credentials behind a key every checkout generates on its own, or worse,
 * inherited from `local` by `extends`.
 */
function demoKeyOnRealEndpoint(
  loaded: LoadedFile,
  name: string,
  provenance: Provenance,
  endpoint: string,
): InfraError {
  const setBy = Object.hasOwn(provenance, 'ageKeyFile') ? provenance.ageKeyFile! : `environments.${name}`;
  const position = loaded.locate([...setBy.split('.'), 'ageKeyFile']);
  const inherited = setBy !== `environments.${name}`;
  return new InfraError<ConfigErrorCode>(
    'CONFIG_DEMO_KEY_ON_REAL_ENDPOINT',
    `${loaded.file}${position ? `:${position}` : ''}: ${setBy}.ageKeyFile: environment "${name}" ${inherited ? 'inherits' : 'sets'} ageKeyFile, but its proxmox.endpoint is ${endpoint}; ageKeyFile is only for an environment whose endpoint is embedded (the simulators' throw-away demo key)`,
    {
      hint: inherited
        ? `stop "${name}" from inheriting it: move the shared settings into the catalog instead of \`extends\`, and use your own key (\`pnpm tsx scripts/secrets.ts init\`)`
        : `remove ageKeyFile from environments.${name}; real environments use your own key (\`pnpm tsx scripts/secrets.ts init\`)`,
    },
  );
}

function invalid(lines: string[]): InfraError {
  return new InfraError<ConfigErrorCode>(
    'CONFIG_INVALID',
    lines.length === 1 ? lines[0]! : `invalid configuration:\n  ${lines.join('\n  ')}`,
    {
      hint: 'see the example in infra.config.yaml and libs/config/README.md for every field',
    },
  );
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node: unknown = root;
  for (const key of path) {
    if (!isPlainObject(node) && !Array.isArray(node)) return undefined;
    if (!Object.hasOwn(node, key)) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function layerSetting(provenance: Provenance, where: string): string | undefined {
  // The closest ancestor that some layer set explains an error about a child it wrote.
  const parts = where.split('.');
  for (let n = parts.length; n > 0; n--) {
    const prefix = `${parts.slice(0, n).join('.')}.`;
    const hit = Object.entries(provenance).find(
      ([key]) => key.startsWith(prefix) || key === parts.slice(0, n).join('.'),
    );
    if (hit) return hit[1];
  }
  return undefined;
}

function absolutePaths(env: Environment): Environment {
  const abs = (p: string) => (isAbsolute(p) ? p : resolvePath(env.repoRoot, p));
  return {
    ...env,
    secrets: abs(env.secrets),
    ...(env.ageKeyFile ? { ageKeyFile: abs(env.ageKeyFile) } : {}),
    proxmox: {
      ...env.proxmox,
      tls: { ...env.proxmox.tls, ...(env.proxmox.tls.caFile ? { caFile: abs(env.proxmox.tls.caFile) } : {}) },
    },
    talos: { ...env.talos, schematic: abs(env.talos.schematic), patches: env.talos.patches.map(abs) },
    gpu: {
      ...env.gpu,
      host: {
        ...env.gpu.host,
        ...(env.gpu.host.identityFile ? { identityFile: abs(env.gpu.host.identityFile) } : {}),
        ...(env.gpu.host.knownHostsFile ? { knownHostsFile: abs(env.gpu.host.knownHostsFile) } : {}),
      },
    },
  };
}

function markDefaults(env: Environment, provenance: Provenance): void {
  const walk = (value: unknown, path: string[]) => {
    if (isPlainObject(value) && Object.keys(value).length > 0) {
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    } else if (path.length > 0 && !Object.hasOwn(provenance, path.join('.'))) {
      provenance[path.join('.')] = 'default';
    }
  };
  const { name: _n, repoRoot: _r, configFile: _c, ...body } = env;
  walk(body, []);
}
