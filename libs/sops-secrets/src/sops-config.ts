import { readFile } from 'node:fs/promises';
import { dirname, relative, sep } from 'node:path';
import { InfraError, writeFileAtomic } from '@infra/core';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { z } from 'zod';
import type { SopsErrorCode } from './error-codes';

/**
 * `.sops.yaml` as typed data. sops reads more keys than these (pgp, kms, ...); they are kept as they are
 * (`loose`) so a rewrite never drops a rule's settings this project does not manage.
 */
const ageList = z
  .union([z.string(), z.array(z.string())])
  .transform((value) =>
    (typeof value === 'string' ? value.split(',') : value).map((r) => r.trim()).filter(Boolean),
  );

const keyGroupSchema = z.object({ age: ageList.optional() }).loose();

export const creationRuleSchema = z
  .object({
    path_regex: z.string().optional(),
    age: ageList.optional(),
    key_groups: z.array(keyGroupSchema).optional(),
  })
  .loose();

const storeSchema = z.object({ indent: z.number().int().min(0).optional() }).loose();

export const sopsConfigSchema = z
  .object({
    stores: z.object({ yaml: storeSchema.optional(), json: storeSchema.optional() }).loose().optional(),
    creation_rules: z.array(creationRuleSchema).default([]),
  })
  .loose();

export type CreationRule = z.infer<typeof creationRuleSchema>;

/**
 * sops indents YAML by 4 spaces unless told otherwise; the repository's formatter (biome) wants 2. With this in
 * .sops.yaml every file sops writes already passes `biome check`, so nobody is tempted to reformat ciphertext.
 */
export const SOPS_STORES = { yaml: { indent: 2 }, json: { indent: 2 } } as const;

/** The config with the project's store settings filled in where it has none. */
export function withProjectStores(config: SopsConfig): SopsConfig {
  return {
    ...config,
    stores: {
      ...config.stores,
      yaml: config.stores?.yaml ?? { ...SOPS_STORES.yaml },
      json: config.stores?.json ?? { ...SOPS_STORES.json },
    },
  };
}
export type SopsConfig = z.infer<typeof sopsConfigSchema>;

export const SOPS_CONFIG_HEADER = [
  '# sops creation rules: which age recipients each secrets file is encrypted for (first match wins).',
  '# Written by scripts/secrets.ts (libs/sops-secrets); `secrets.ts add-recipient age1...` adds a recipient',
  '# and re-keys every file, `secrets.ts check` verifies the files match these rules.',
].join('\n');

export async function readSopsConfig(path: string): Promise<SopsConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InfraError<SopsErrorCode>('SOPS_CONFIG_MISSING', `${path} does not exist`, {
      hint: 'create it with `./infra secrets init`',
      cause: error,
    });
  }
  return parseSopsConfig(text, path);
}

export function parseSopsConfig(text: string, path = '.sops.yaml'): SopsConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (error) {
    throw new InfraError<SopsErrorCode>(
      'SOPS_CONFIG_INVALID',
      `${path} is not valid YAML: ${(error as Error).message.split('\n')[0]}`,
      {
        hint: 'fix the YAML, or rewrite the file with `./infra secrets init`',
      },
    );
  }
  const parsed = sopsConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`,
    );
    throw new InfraError<SopsErrorCode>(
      'SOPS_CONFIG_INVALID',
      `${path} is not a valid sops config:\n  ${lines.join('\n  ')}`,
      {
        hint: 'creation_rules is a list of { path_regex, age: [age1...] }',
      },
    );
  }
  for (const [index, rule] of parsed.data.creation_rules.entries()) {
    if (rule.path_regex !== undefined)
      compileGoRegex(rule.path_regex, `${path}: creation_rules[${index}].path_regex`);
  }
  return parsed.data;
}

export function renderSopsConfig(config: SopsConfig): string {
  return `${SOPS_CONFIG_HEADER}\n${stringifyYaml(config, { lineWidth: 0 })}`;
}

export async function writeSopsConfig(path: string, config: SopsConfig): Promise<void> {
  await writeFileAtomic(path, renderSopsConfig(sopsConfigSchema.parse(config)), { mode: 0o644 });
}

/**
 * sops' path_regex is a Go RE2 pattern, unanchored, tested against the path relative to the config file's
 * directory. The patterns used for secrets are valid JavaScript too; a leading `(?i)` becomes the i flag.
 */
export function compileGoRegex(pattern: string, where = 'path_regex'): RegExp {
  const caseless = pattern.startsWith('(?i)');
  try {
    return new RegExp(caseless ? pattern.slice(4) : pattern, caseless ? 'i' : '');
  } catch (error) {
    throw new InfraError<SopsErrorCode>(
      'SOPS_CONFIG_INVALID',
      `${where}: "${pattern}" is not a valid regular expression`,
      {
        hint: 'path_regex is a Go regular expression such as ^secrets/.*\\.enc\\.yaml$',
        cause: error,
      },
    );
  }
}

/** The path sops matches rules against: relative to the config's directory, with forward slashes. */
export function configRelativePath(configPath: string, filePath: string): string {
  return relative(dirname(configPath), filePath).split(sep).join('/');
}

/** The first rule matching the path (as sops picks it), with its index. */
export function matchCreationRule(
  config: SopsConfig,
  relativePath: string,
): { index: number; rule: CreationRule } | undefined {
  for (const [index, rule] of config.creation_rules.entries()) {
    if (rule.path_regex === undefined || compileGoRegex(rule.path_regex).test(relativePath))
      return { index, rule };
  }
  return undefined;
}

/** Every age recipient a rule encrypts for (its own list, or the union of its key groups). */
export function ruleRecipients(rule: CreationRule): string[] {
  const fromGroups = (rule.key_groups ?? []).flatMap((group) => group.age ?? []);
  return [...new Set(rule.key_groups && rule.key_groups.length > 0 ? fromGroups : (rule.age ?? []))];
}

/** A copy of the config with the recipient added to every rule selected by `which` (default: all rules). */
export function addRecipientToConfig(
  config: SopsConfig,
  recipient: string,
  which: (rule: CreationRule, index: number) => boolean = () => true,
): SopsConfig {
  return {
    ...config,
    creation_rules: config.creation_rules.map((rule, index) => {
      if (!which(rule, index)) return rule;
      if (rule.key_groups && rule.key_groups.length > 0) {
        const [first, ...rest] = rule.key_groups;
        const age = [...new Set([...(first?.age ?? []), recipient])];
        return { ...rule, key_groups: [{ ...first, age }, ...rest] };
      }
      return { ...rule, age: [...new Set([...(rule.age ?? []), recipient])] };
    }),
  };
}

/** The catch-all rule for every environment's secrets file. */
export const SECRETS_PATH_REGEX = '^secrets/.*\\.enc\\.(yaml|json|env)$';

/**
 * The rule for the platform's app Secrets (`kubernetes/<component>/*.enc.yaml`), for the same recipients as
 * the environments' files: only `data`/`stringData` are encrypted, so Flux's kustomize-controller (which
 * decrypts them with the age key) and kustomize still read kind and metadata.
 */
export const KUBERNETES_SECRETS_RULE = {
  path_regex: '^kubernetes/.*\\.enc\\.yaml$',
  encrypted_regex: '^(data|stringData)$',
} as const;
