import { readdir, readFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { isInfraError } from '@infra/core';
import { demoRecipients } from './demo-recipients';
import type { SopsErrorCode } from './error-codes';
import { formatOf, isSupportedSecretsFile, type PlainData } from './formats';
import { resolveSopsKeys, type SopsKeyContext } from './key-context';
import { type LeakNeedle, scanPaths } from './leak-scan';
import { secretNeedles } from './load-secrets';
import { readSopsMetadata, type SopsMetadata } from './metadata';
import { findPlaintextLeaves } from './plaintext-scan';
import { describeSecretsIssues, secretsSchema } from './secrets-schema';
import { decryptData } from './sops-client';
import {
  compileGoRegex,
  configRelativePath,
  KUBERNETES_SECRETS_RULE,
  matchCreationRule,
  readSopsConfig,
  ruleRecipients,
  type SopsConfig,
} from './sops-config';

export type CheckRule =
  | 'sops-config'
  | 'age-key'
  | 'not-encrypted'
  | 'plaintext-value'
  | 'plaintext-comment'
  | 'unsupported-file'
  | 'no-creation-rule'
  | 'recipient-mismatch'
  | 'unreadable'
  | 'tampered'
  | 'schema'
  | 'private-key'
  | 'demo-recipient'
  | 'leaked-value';

/** One problem; `message` names keys and recipients, never a secret value. */
export interface Finding {
  file: string;
  line?: number;
  rule: CheckRule;
  message: string;
}

export interface CheckOptions {
  repoRoot: string;
  /** Default `<repoRoot>/secrets`. */
  secretsDir?: string | undefined;
  /** Default `<repoRoot>/.sops.yaml`. */
  configPath?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /** Absolute secrets file → the environment's own key file (infra.config.yaml `ageKeyFile`). */
  environmentKeys?: Record<string, string> | undefined;
  /** Absolute secrets files that must satisfy the environment secrets schema. */
  schemaFiles?: string[] | undefined;
  /**
   * Files outside secrets/ to search for every decrypted value and for age private keys (e.g. `git ls-files`
   * of the repo).
   */
  leakScanPaths?: string[] | undefined;
}

/** A whole age identity (bech32 body): never in a tracked file. Tests build theirs at run time. */
const AGE_IDENTITY = /AGE-SECRET-KEY-(?:PQ-)?1[02-9AC-HJ-NP-Z]{58,}/;

const DOCUMENTATION = /\.(md|txt)$/i;

/**
 * The `secrets:validate` check: every file under secrets/ is encrypted with no plaintext leaf, readable with
 * the current keys, encrypted for exactly the recipients `.sops.yaml` assigns it, and (for environment files)
 * well-formed; no `.sops.yaml` rule and no file is encrypted for a demo key (demoRecipients); no age private key
 * sits under secrets/ or in `leakScanPaths`; and no decrypted value appears in plaintext anywhere in
 * `leakScanPaths`.
 */
export async function checkSecrets(options: CheckOptions): Promise<Finding[]> {
  const secretsDir = options.secretsDir ?? join(options.repoRoot, 'secrets');
  const configPath = options.configPath ?? join(options.repoRoot, '.sops.yaml');
  const show = (path: string) => relative(options.repoRoot, path) || path;
  const findings: Finding[] = [];

  const config = await readSopsConfig(configPath).catch((error: unknown) => {
    findings.push({
      file: show(configPath),
      rule: 'sops-config',
      message: isInfraError(error) ? error.message : String(error),
    });
    return undefined;
  });
  const userKeys = await resolveSopsKeys({ env: options.env }).catch(async (error: unknown) => {
    findings.push({
      file: '(your age key)',
      rule: 'age-key',
      message: isInfraError(error) ? `${error.message}; ${error.hint ?? ''}` : String(error),
    });
    return resolveSopsKeys({ env: options.env, ignoreUserKey: true });
  });

  const demo = await demoRecipients(Object.values(options.environmentKeys ?? {}));
  if (config) findings.push(...demoRuleFindings(config, demo, show(configPath)));

  const needles: LeakNeedle[] = [];
  const secretFiles: string[] = [];
  // The platform's app secrets (kubernetes/<component>/*.enc.yaml) are held to the same rules: encrypted, for
  // their .sops.yaml rule's recipients, readable, and their values (only data/stringData) part of the leak scan.
  const kubernetesRule = compileGoRegex(KUBERNETES_SECRETS_RULE.path_regex);
  const appSecrets = (options.leakScanPaths ?? []).filter((path) => kubernetesRule.test(show(path)));
  for (const file of [...(await listFiles(secretsDir)), ...appSecrets]) {
    const text = await readFile(file, 'utf8');
    const name = show(file);
    if (text.includes('AGE-SECRET-KEY-')) {
      findings.push(privateKeyFinding(name));
      continue;
    }
    if (DOCUMENTATION.test(file) || basename(file) === '.gitignore') continue;
    if (!isSupportedSecretsFile(file)) {
      findings.push({
        file: name,
        rule: 'unsupported-file',
        message: `${name} is not a secrets document (.enc.yaml, .enc.json or .enc.env); sops would treat it as an opaque blob`,
      });
      continue;
    }
    secretFiles.push(file);
    const keys = options.environmentKeys?.[file]
      ? await resolveSopsKeys({
          env: options.env,
          environmentKeyFile: options.environmentKeys[file],
          ignoreUserKey: true,
        })
      : userKeys;
    const result = await checkFile({
      file,
      name,
      text,
      config,
      configPath,
      keys,
      demo,
      repoRoot: options.repoRoot,
      schema: options.schemaFiles?.includes(file) ?? false,
      appSecret: appSecrets.includes(file),
    });
    findings.push(...result.findings);
    needles.push(...result.needles);
  }

  if (options.leakScanPaths) needles.push(...(await outsideNeedles(options, secretFiles, show)));
  if (options.leakScanPaths) {
    const targets = options.leakScanPaths.filter((path) => !secretFiles.includes(path));
    for (const path of targets) {
      const text = await readFile(path, 'utf8').catch(() => '');
      if (AGE_IDENTITY.test(text)) findings.push(privateKeyFinding(show(path)));
    }
  }
  if (options.leakScanPaths && needles.length > 0) {
    const targets = options.leakScanPaths.filter((path) => !secretFiles.includes(path));
    const { hits } = await scanPaths(targets, needles);
    for (const hit of hits) {
      findings.push({
        file: show(hit.source),
        line: hit.line,
        rule: 'leaked-value',
        message: `the value of ${hit.label} appears here in plaintext (${hit.encoding} form)`,
      });
    }
  }
  return findings;
}

/**
 * Values of environment secrets kept outside secrets/ (the generated demo under .infra/), when present and
 * readable with their own key: a tracked file must not hold those either.
 */
async function outsideNeedles(
  options: CheckOptions,
  checked: readonly string[],
  show: (path: string) => string,
): Promise<LeakNeedle[]> {
  const needles: LeakNeedle[] = [];
  for (const [file, keyFile] of Object.entries(options.environmentKeys ?? {})) {
    if (checked.includes(file)) continue;
    const keys = await resolveSopsKeys({
      env: options.env,
      environmentKeyFile: keyFile,
      ignoreUserKey: true,
    }).catch(() => undefined);
    if (!keys) continue; // not generated yet: it holds nothing that could leak
    const data = await decryptData(file, { keys, displayRoot: options.repoRoot }).catch(() => undefined);
    if (data) needles.push(...secretNeedles(data, show(file)));
  }
  return needles;
}

function privateKeyFinding(name: string): Finding {
  return {
    file: name,
    rule: 'private-key',
    message: `${name} holds an age private key; no private key may be committed (the local demo key is generated per clone under .infra/)`,
  };
}

function demoRuleFindings(config: SopsConfig, demo: readonly string[], name: string): Finding[] {
  return config.creation_rules.flatMap((rule, index) => {
    const found = ruleRecipients(rule).filter((recipient) => demo.includes(recipient));
    return found.length === 0
      ? []
      : [
          {
            file: name,
            rule: 'demo-recipient' as const,
            message: `creation_rules[${index}] (path_regex ${rule.path_regex ?? '(any)'}) encrypts for the demo key ${found.join(', ')}, which anyone can read: remove it from the rule, then \`pnpm tsx scripts/secrets.ts rotate\``,
          },
        ];
  });
}

interface FileCheck {
  file: string;
  name: string;
  text: string;
  config: SopsConfig | undefined;
  configPath: string;
  keys: SopsKeyContext;
  demo: readonly string[];
  repoRoot: string;
  schema: boolean;
  /** A Kubernetes Secret manifest: only its data/stringData values are secret (kind, names are public). */
  appSecret: boolean;
}

async function checkFile(input: FileCheck): Promise<{ findings: Finding[]; needles: LeakNeedle[] }> {
  const { file, name } = input;
  const format = formatOf(file);
  const findings: Finding[] = [];
  const metadata = readSopsMetadata(input.text, format);
  if (!metadata) {
    findings.push({
      file: name,
      rule: 'not-encrypted',
      message: `${name} is not encrypted (no sops metadata); encrypt it with \`./infra secrets init\` and never commit it like this`,
    });
    return { findings, needles: [] };
  }
  for (const leaf of findPlaintextLeaves(input.text, format, metadata.selection)) {
    findings.push(
      leaf.kind === 'value'
        ? {
            file: name,
            line: leaf.line,
            rule: 'plaintext-value',
            message: `${leaf.path} is in plaintext inside an encrypted file; set it with \`./infra secrets edit ${name}\` so sops encrypts it`,
          }
        : {
            file: name,
            line: leaf.line,
            rule: 'plaintext-comment',
            message:
              'a plaintext comment inside an encrypted file; comments can leak secrets, write it through `./infra secrets edit` so sops encrypts it',
          },
    );
  }
  const demoReaders = metadata.recipients.filter((recipient) => input.demo.includes(recipient));
  if (demoReaders.length > 0) {
    findings.push({
      file: name,
      rule: 'demo-recipient',
      message: `${name} is encrypted for the demo key ${demoReaders.join(', ')}, which anyone can read: drop it from .sops.yaml, then \`pnpm tsx scripts/secrets.ts rotate\` (and rotate the credentials it holds)`,
    });
  }
  if (input.config) findings.push(...recipientFindings(input, metadata, input.config));

  let data: PlainData | undefined;
  try {
    data = await decryptData(file, { keys: input.keys, displayRoot: input.repoRoot });
  } catch (error) {
    if (!isInfraError(error)) throw error;
    const rule = isInfraError<SopsErrorCode>(error, 'SOPS_MAC_MISMATCH') ? 'tampered' : 'unreadable';
    findings.push({ file: name, rule, message: error.message });
    return { findings, needles: [] };
  }
  if (input.schema) {
    const parsed = secretsSchema.safeParse(data);
    if (!parsed.success) {
      for (const line of describeSecretsIssues(name, parsed.error.issues, data)) {
        findings.push({ file: name, rule: 'schema', message: line });
      }
    }
  }
  const secretPart = input.appSecret ? { data: data.data, stringData: data.stringData } : data;
  return { findings, needles: secretNeedles(secretPart as PlainData, name) };
}

function recipientFindings(input: FileCheck, metadata: SopsMetadata, config: SopsConfig): Finding[] {
  const relativePath = configRelativePath(input.configPath, input.file);
  const match = matchCreationRule(config, relativePath);
  if (!match) {
    return [
      {
        file: input.name,
        rule: 'no-creation-rule',
        message: `no creation rule in .sops.yaml matches ${relativePath}, so nobody can re-key it`,
      },
    ];
  }
  const wanted = ruleRecipients(match.rule);
  const missing = wanted.filter((recipient) => !metadata.recipients.includes(recipient));
  const extra = metadata.recipients.filter((recipient) => !wanted.includes(recipient));
  if (missing.length === 0 && extra.length === 0) return [];
  const parts = [
    missing.length > 0 ? `not encrypted for ${missing.join(', ')}` : '',
    extra.length > 0 ? `still encrypted for ${extra.join(', ')} (not in the rule)` : '',
  ].filter(Boolean);
  return [
    {
      file: input.name,
      rule: 'recipient-mismatch',
      message: `${input.name} does not match .sops.yaml creation_rules[${match.index}] (path_regex ${match.rule.path_regex ?? '(any)'}): ${parts.join('; ')}; run \`sops updatekeys -y ${input.name}\` or \`./infra secrets add-recipient\``,
    },
  ];
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(path)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}
