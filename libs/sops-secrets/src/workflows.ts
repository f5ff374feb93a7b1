import { readFile, rm, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InfraError, isInfraError } from '@infra/core';
import {
  assertPrivateKeyFile,
  generateAgeKey,
  publicKeysOf,
  readIdentityFile,
  userAgeKeyLocation,
} from './age-keys';
import { assertNotDemoRecipient, demoRecipients } from './demo-recipients';
import type { SopsErrorCode } from './error-codes';
import { formatOf } from './formats';
import { readSopsMetadata } from './metadata';
import { listSecretsFiles, type SecretsProject, sopsContextFor } from './project';
import { secretsTemplate } from './secrets-schema';
import {
  editFile,
  encryptFileInPlace,
  encryptToFile,
  readMetadataFile,
  rotateDataKey,
  updateKeys,
} from './sops-client';
import {
  addRecipientToConfig,
  type CreationRule,
  configRelativePath,
  KUBERNETES_SECRETS_RULE,
  matchCreationRule,
  readSopsConfig,
  ruleRecipients,
  SECRETS_PATH_REGEX,
  type SopsConfig,
  sopsConfigSchema,
  withProjectStores,
  writeSopsConfig,
} from './sops-config';

export interface InitReport {
  keyFile: string;
  publicKey: string;
  keyCreated: boolean;
  configWritten: boolean;
  encrypted: string[];
  rekeyed: string[];
}

/**
 * Makes a repository safe to work in: the user's age key exists (created 0600 if not), `.sops.yaml` encrypts
 * every secrets file for the user and never for a demo key (a demo recipient found in a rule is dropped, and
 * files that were encrypted for it get a new data key); plaintext secrets files are encrypted in place and
 * encrypted ones re-keyed to match. Idempotent.
 */
export async function initSecrets(project: SecretsProject): Promise<InitReport> {
  const location = userAgeKeyLocation(project.env ?? process.env);
  const keyExists = await stat(location.path).then(
    () => true,
    () => false,
  );
  let publicKey: string;
  if (keyExists) {
    await assertPrivateKeyFile(location.path);
    const [first] = await publicKeysOf(await readIdentityFile(location.path));
    if (!first)
      throw new InfraError<SopsErrorCode>('AGE_KEY_INVALID', `${location.path} holds no usable age identity`);
    publicKey = first;
  } else {
    publicKey = await generateAgeKey(location.path);
  }

  const before = await readSopsConfig(project.configPath).catch((error: unknown) => {
    if (isInfraError<SopsErrorCode>(error, 'SOPS_CONFIG_MISSING')) return sopsConfigSchema.parse({});
    throw error;
  });
  const demo = await demoRecipients(Object.values(project.environmentKeys));
  assertNotDemoRecipient(publicKey, demo);
  const after = planConfig(before, publicKey, demo);
  const configWritten = JSON.stringify(after) !== JSON.stringify(before);
  if (configWritten) await writeSopsConfig(project.configPath, after);

  const report: InitReport = {
    keyFile: location.path,
    publicKey,
    keyCreated: !keyExists,
    configWritten,
    encrypted: [],
    rekeyed: [],
  };
  for (const file of await listSecretsFiles(project)) {
    const context = await sopsContextFor(project, file);
    const metadata = await readMetadataFile(file);
    if (!metadata) {
      await encryptFileInPlace(file, context);
      report.encrypted.push(file);
      continue;
    }
    const match = matchCreationRule(after, configRelativePath(project.configPath, file));
    const wanted = match ? ruleRecipients(match.rule) : [];
    if (match && !sameSet(wanted, metadata.recipients)) {
      await updateKeys(file, context);
      // A demo key could read the old data key: only a new one locks it out.
      if (metadata.recipients.some((recipient) => demo.includes(recipient)))
        await rotateDataKey(file, context);
      report.rekeyed.push(file);
    }
  }
  return report;
}

/**
 * The .sops.yaml init wants: the user in the catch-all rule and the kubernetes app-secrets rule, no demo recipient anywhere (the per-clone demo
 * needs no rule: it is encrypted for its own key explicitly). A rule left with no recipient is dropped.
 */
function planConfig(config: SopsConfig, userRecipient: string, demo: readonly string[]): SopsConfig {
  const rules: CreationRule[] = config.creation_rules
    .map((rule) => withoutRecipients(rule, demo))
    .filter((rule) => rule.key_groups !== undefined || (rule.age ?? []).length > 0);
  const catchAll = rules.find((rule) => rule.path_regex === SECRETS_PATH_REGEX);
  if (catchAll) catchAll.age = unique([...(catchAll.age ?? []), userRecipient]);
  else rules.push({ path_regex: SECRETS_PATH_REGEX, age: [userRecipient] });
  const kubernetes = rules.find((rule) => rule.path_regex === KUBERNETES_SECRETS_RULE.path_regex);
  if (kubernetes) kubernetes.age = unique([...(kubernetes.age ?? []), userRecipient]);
  else rules.push({ ...KUBERNETES_SECRETS_RULE, age: [userRecipient] });
  return withProjectStores({ ...config, creation_rules: rules });
}

function withoutRecipients(rule: CreationRule, drop: readonly string[]): CreationRule {
  const keep = (list: string[] | undefined) => list?.filter((recipient) => !drop.includes(recipient));
  return {
    ...rule,
    ...(rule.age ? { age: keep(rule.age) } : {}),
    ...(rule.key_groups
      ? { key_groups: rule.key_groups.map((group) => ({ ...group, age: keep(group.age) })) }
      : {}),
  };
}

export interface FileOutcome {
  file: string;
  error?: InfraError;
}

/**
 * Adds a recipient to every creation rule (or those `which` selects), then re-keys every encrypted secrets
 * file so the new key can read it. Files this user cannot read are reported, not fatal.
 */
export async function addRecipient(
  project: SecretsProject,
  recipient: string,
  which?: (rule: CreationRule, index: number) => boolean,
): Promise<FileOutcome[]> {
  assertNotDemoRecipient(recipient, await demoRecipients(Object.values(project.environmentKeys)));
  const config = await readSopsConfig(project.configPath);
  await writeSopsConfig(project.configPath, addRecipientToConfig(config, recipient, which));
  return forEachEncrypted(project, async (file, context) => {
    await updateKeys(file, context);
  });
}

/** New data key for every encrypted secrets file (values unchanged). Run after removing a recipient. */
export async function rotateAll(project: SecretsProject): Promise<FileOutcome[]> {
  return forEachEncrypted(project, async (file, context) => rotateDataKey(file, context));
}

async function forEachEncrypted(
  project: SecretsProject,
  action: (file: string, context: Awaited<ReturnType<typeof sopsContextFor>>) => Promise<void>,
): Promise<FileOutcome[]> {
  const outcomes: FileOutcome[] = [];
  for (const file of await listSecretsFiles(project)) {
    if (!readSopsMetadata(await readFile(file, 'utf8'), formatOf(file))) continue;
    try {
      await action(file, await sopsContextFor(project, file));
      outcomes.push({ file });
    } catch (error) {
      if (!isInfraError(error)) throw error;
      outcomes.push({ file, error });
    }
  }
  return outcomes;
}

/**
 * Edits a secrets file in $SOPS_EDITOR/$EDITOR. A file that does not exist yet starts from the schema
 * template (encrypted before the editor opens); if the editor quits without saving, it is removed again.
 */
export async function editSecrets(
  project: SecretsProject,
  file: string,
): Promise<{ created: boolean; changed: boolean }> {
  const path = resolve(file);
  const context = await sopsContextFor(project, path);
  const exists = await stat(path).then(
    () => true,
    () => false,
  );
  if (!exists)
    await encryptToFile(
      path,
      formatOf(path) === 'dotenv' ? { PLACEHOLDER: 'CHANGE-ME' } : secretsTemplate(),
      context,
    );
  try {
    const { changed } = await editFile(path, context);
    if (!exists && !changed) await rm(path, { force: true });
    return { created: !exists && changed, changed };
  } catch (error) {
    if (!exists) await rm(path, { force: true });
    throw error;
  }
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return (
    a.length === b.length && a.every((value) => b.includes(value)) && new Set(a).size === new Set(b).size
  );
}
