import { InfraError } from '@infra/core';
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';
import { CATALOG, type Recipe, type RecipeKind } from './catalog';
import type { ToolchainErrorCode } from './error-codes';

/** One pinned tool: a mise.toml entry matched to the recipe that knows how to obtain it. */
export interface ToolSpec {
  id: string;
  /** The key as written in mise.toml, e.g. `pipx:ansible-core`. */
  key: string;
  /** Where it was written, e.g. `[tools]` or `[_.infra.providers]`, for messages. */
  table: string;
  version: string;
  /** An optional tool that cannot be obtained is a warning, not an error. */
  optional: boolean;
  reason?: string;
  /** Pinned sha256 of the source archive, for recipes built from one (`method: 'archive'`). */
  sha256?: string;
  /** PyPI extras (`molecule-plugins[podman]`), from mise's pipx `extras = "a,b"` option. */
  extras?: readonly string[];
  recipe: Recipe;
}

const pinTable = z.object({
  version: z.string(),
  optional: z.boolean().optional(),
  reason: z.string().optional(),
});
// mise allows extra per-tool options in [tools] tables (os, install_env, ...); we read `version` and the
// pipx backend's `extras`.
const toolValue = z.union([z.string(), pinTable.extend({ extras: z.string().optional() }).loose()]);
const infraValue = z.union([
  z.string(),
  pinTable
    .extend({
      sha256: z
        .string()
        .regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits (`sha256sum <archive>`)')
        .optional(),
    })
    .strict(),
]);
type PinValue =
  | string
  | (z.infer<typeof pinTable> & { extras?: string | undefined; sha256?: string | undefined });

const manifestSchema = z
  .object({
    tools: z.record(z.string(), toolValue).default({}),
    _: z
      .object({
        infra: z
          .object({
            providers: z.record(z.string(), infraValue).default({}),
            'packer-plugins': z.record(z.string(), infraValue).default({}),
            debian: z.record(z.string(), infraValue).default({}),
          })
          .strict()
          .optional(),
      })
      .loose()
      .optional(),
  })
  .loose();

const SECTIONS = {
  tools: '[tools]',
  providers: '[_.infra.providers]',
  'packer-plugins': '[_.infra.packer-plugins]',
  debian: '[_.infra.debian]',
} as const;

type Section = keyof typeof SECTIONS;

const VERSION_RULES: Record<RecipeKind, { pattern: RegExp; expected: string }> = {
  bootstrap: { pattern: /^\d+\.\d+\.\d+$/, expected: 'MAJOR.MINOR.PATCH, e.g. "24.21.0"' },
  go: { pattern: /^\d+\.\d+\.\d+$/, expected: 'MAJOR.MINOR.PATCH without a leading v, e.g. "1.12.6"' },
  provider: { pattern: /^\d+\.\d+\.\d+$/, expected: 'MAJOR.MINOR.PATCH without a leading v, e.g. "0.111.1"' },
  'packer-plugin': {
    pattern: /^\d+\.\d+\.\d+$/,
    expected: 'MAJOR.MINOR.PATCH without a leading v, e.g. "1.2.4"',
  },
  pip: {
    pattern: /^\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?$/,
    expected: 'an exact PyPI release, e.g. "2.19.14" (no ranges, no wildcards)',
  },
  'deb-extract': {
    pattern: /^(\d+:)?\d[A-Za-z0-9.+~]*(-[A-Za-z0-9.+~]+)?$/,
    expected: 'an exact Debian package version, e.g. "22.4.2-1+deb12u4" (see `apt-cache policy`)',
  },
  'deb-system': { pattern: /^system$/, expected: '"system" (the distribution\'s package, any version)' },
};

/** Parses mise.toml text into the pinned tools, validating every entry. `file` is only used in messages. */
export function parseManifest(text: string, file = 'mise.toml'): ToolSpec[] {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (error) {
    throw new InfraError<ToolchainErrorCode>(
      'TOOLCHAIN_MANIFEST_INVALID',
      `${file} is not valid TOML: ${(error as Error).message}`,
      {
        hint: 'fix the syntax; mise.toml must stay readable by mise too',
        cause: error,
      },
    );
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.map(String).join('.');
    throw new InfraError<ToolchainErrorCode>(
      'TOOLCHAIN_MANIFEST_INVALID',
      `${file}: ${where || '(top level)'}: ${issue.message}`,
      {
        hint: 'entries are `name = "version"` or `name = { version = "...", optional = true, reason = "..." }`',
        details: { issues: parsed.error.issues },
      },
    );
  }
  const infra = parsed.data._?.infra;
  const tables: [Section, Record<string, PinValue>][] = [
    ['tools', parsed.data.tools],
    ['providers', infra?.providers ?? {}],
    ['packer-plugins', infra?.['packer-plugins'] ?? {}],
    ['debian', infra?.debian ?? {}],
  ];
  const specs: ToolSpec[] = [];
  for (const [section, entries] of tables) {
    for (const [key, value] of Object.entries(entries)) {
      specs.push(toSpec(file, section, key, value));
    }
  }
  const seen = new Map<string, ToolSpec>();
  for (const spec of specs) {
    const earlier = seen.get(spec.id);
    if (earlier) {
      throw new InfraError<ToolchainErrorCode>(
        'TOOLCHAIN_MANIFEST_INVALID',
        `${file} pins ${spec.id} twice: ${earlier.table} "${earlier.key}" and ${spec.table} "${spec.key}"`,
        { hint: 'keep one entry per tool' },
      );
    }
    seen.set(spec.id, spec);
  }
  return specs;
}

function toSpec(file: string, section: Section, key: string, value: PinValue): ToolSpec {
  const table = SECTIONS[section];
  const recipe = CATALOG.find((r) => r.section === section && r.keys.includes(key));
  if (!recipe) {
    const known = CATALOG.filter((r) => r.section === section).map((r) => r.keys[0]);
    throw new InfraError<ToolchainErrorCode>(
      'TOOLCHAIN_UNKNOWN_TOOL',
      `${file} ${table} "${key}" is not a tool libs/toolchain can install`,
      {
        hint: `known ${table} entries: ${known.join(', ')}; to add a tool, add its recipe to libs/toolchain/src/catalog.ts`,
        details: { key, table, known },
      },
    );
  }
  const pin = typeof value === 'string' ? { version: value } : value;
  const rule = VERSION_RULES[recipe.kind];
  if (!rule.pattern.test(pin.version)) {
    throw new InfraError<ToolchainErrorCode>(
      'TOOLCHAIN_BAD_VERSION',
      `${file} ${table} "${key}" = "${pin.version}" is not an exact version: expected ${rule.expected}`,
      {
        hint: 'pin one exact version; install and doctor compare it with what the tool reports',
        details: { key },
      },
    );
  }
  const fromArchive = 'go' in recipe && recipe.go.method === 'archive';
  if (fromArchive && !pin.sha256) {
    const archive = recipe.go.archive?.(pin.version) ?? 'its source archive';
    throw new InfraError<ToolchainErrorCode>(
      'TOOLCHAIN_MANIFEST_INVALID',
      `${file} ${table} "${key}" is built from ${archive} but pins no sha256`,
      {
        hint: `write it as "${key}" = { version = "${pin.version}", sha256 = "<sha256sum of ${archive}>" }`,
        details: { key },
      },
    );
  }
  if (!fromArchive && pin.sha256) {
    throw new InfraError<ToolchainErrorCode>(
      'TOOLCHAIN_MANIFEST_INVALID',
      `${file} ${table} "${key}" has a sha256, but it is not built from a source archive`,
      {
        hint: 'remove sha256: only archive-built tools (providers/plugins the proxy refuses) pin one',
        details: { key },
      },
    );
  }
  const extras = pin.extras
    ?.split(',')
    .map((extra) => extra.trim())
    .filter((extra) => extra !== '');
  if (extras && (recipe.kind !== 'pip' || extras.some((extra) => !/^[A-Za-z0-9][\w.-]*$/.test(extra)))) {
    throw new InfraError<ToolchainErrorCode>(
      'TOOLCHAIN_MANIFEST_INVALID',
      `${file} ${table} "${key}" extras = "${pin.extras}" is not a comma-separated list of PyPI extras of a pipx: tool`,
      {
        hint: 'e.g. "pipx:molecule-plugins" = { version = "26.10.12", extras = "podman" }',
        details: { key },
      },
    );
  }
  return {
    id: recipe.id,
    key,
    table,
    version: pin.version,
    optional: pin.optional ?? false,
    ...(pin.reason === undefined ? {} : { reason: pin.reason }),
    ...(pin.sha256 === undefined ? {} : { sha256: pin.sha256 }),
    ...(extras && extras.length > 0 ? { extras } : {}),
    recipe,
  };
}
