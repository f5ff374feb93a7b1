#!/usr/bin/env tsx
/**
 * SOPS + age secrets (libs/sops-secrets). Secrets live in secrets/<env>.enc.yaml, encrypted for the age
 * recipients in .sops.yaml; nothing here writes plaintext to disk or puts a secret on a command line.
 *
 *   pnpm tsx scripts/secrets.ts init                      your age key (created 0600 if missing), .sops.yaml rules,
 *                                                         encrypt plaintext files under secrets/, re-key to match
 *   pnpm tsx scripts/secrets.ts edit <file>               edit in $SOPS_EDITOR/$EDITOR (new files start from the template)
 *   pnpm tsx scripts/secrets.ts show <file> [--key k]     print decrypted content (or one key) to stdout, only when asked
 *   pnpm tsx scripts/secrets.ts add-recipient <age1...> [--only <path_regex>]
 *                                                         add a recipient to the rules, then re-key every file
 *   pnpm tsx scripts/secrets.ts rotate                    new data key for every file (after removing a recipient)
 *   pnpm tsx scripts/secrets.ts check [--json] [--no-leak-scan]
 *                                                         the secrets:validate target; exit 1 on any finding
 *   pnpm tsx scripts/secrets.ts demo [--force]            regenerate the local demo key + secrets/local.enc.yaml
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { InfraError, log, printResult, runMain } from '@infra/core';
import { environmentNames, loadConfigFile, resolveEnvironment } from '@infra/config';
import {
  addRecipient,
  assertAgeRecipient,
  checkSecrets,
  createDemoSecrets,
  decryptData,
  decryptText,
  editSecrets,
  type FileOutcome,
  initSecrets,
  rotateAll,
  type SecretsProject,
  secretsProject,
  selectKey,
  sopsContextFor,
} from '@infra/sops-secrets';
import { execa } from 'execa';
import { z } from 'zod';

const USAGE =
  'usage: secrets.ts init | edit <file> | show <file> [--key k] [--json] | add-recipient <age1...> [--only <path_regex>] | rotate | check [--json] [--no-leak-scan] | demo [--force]';

const argsSchema = z.object({
  command: z.enum(['init', 'edit', 'show', 'add-recipient', 'rotate', 'check', 'demo'], { error: USAGE }),
  target: z.string().optional(),
  key: z.string().optional(),
  only: z.string().optional(),
  json: z.boolean().default(false),
  leakScan: z.boolean().default(true),
  force: z.boolean().default(false),
});

interface Environments {
  repoRoot: string;
  /** Absolute secrets file → the environment's own key file. */
  keys: Record<string, string>;
  secretsFiles: string[];
}

/** Reads every environment's secrets file and own key from infra.config.yaml. */
async function loadEnvironments(): Promise<Environments> {
  const loaded = await loadConfigFile();
  const keys: Record<string, string> = {};
  const secretsFiles: string[] = [];
  for (const name of environmentNames(loaded)) {
    const { environment } = resolveEnvironment(loaded, name);
    secretsFiles.push(environment.secrets);
    if (environment.ageKeyFile) keys[environment.secrets] = environment.ageKeyFile;
  }
  return { repoRoot: loaded.repoRoot, keys, secretsFiles: [...new Set(secretsFiles)] };
}

function requireTarget(target: string | undefined, what: string): string {
  if (!target) throw new InfraError('SECRETS_USAGE', `missing ${what}`, { hint: USAGE });
  return target;
}

function reportOutcomes(verb: string, outcomes: FileOutcome[], project: SecretsProject): number {
  for (const outcome of outcomes) {
    const name = outcome.file.slice(project.repoRoot.length + 1);
    if (outcome.error) log.error(`${name}: ${outcome.error.message}`);
    else log.success(`${verb} ${name}`);
  }
  const failed = outcomes.filter((o) => o.error);
  if (failed.length > 0)
    log.info(`hint: ${failed[0]!.error!.hint ?? 'someone who can read those files must run this'}`);
  return failed.length > 0 ? 1 : 0;
}

/** Files the repository holds (tracked or new, not ignored): where a decrypted value must never appear. */
async function repositoryFiles(repoRoot: string): Promise<string[] | undefined> {
  const result = await execa('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repoRoot,
    reject: false,
  });
  if (result.exitCode !== 0) return undefined;
  return result.stdout
    .split('\0')
    .filter(Boolean)
    .map((path) => resolve(repoRoot, path));
}

await runMain(async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      key: { type: 'string', short: 'k' },
      only: { type: 'string' },
      json: { type: 'boolean' },
      'no-leak-scan': { type: 'boolean' },
      force: { type: 'boolean' },
    },
  });
  const parsed = argsSchema.safeParse({
    command: positionals[0],
    target: positionals[1],
    key: values.key,
    only: values.only,
    json: values.json,
    leakScan: !values['no-leak-scan'],
    force: values.force,
  });
  if (!parsed.success)
    throw new InfraError('SECRETS_USAGE', parsed.error.issues[0]?.message ?? USAGE, { hint: USAGE });
  const args = parsed.data;
  const environments = await loadEnvironments();
  const project = secretsProject(environments.repoRoot, { environmentKeys: environments.keys });

  switch (args.command) {
    case 'init': {
      const report = await initSecrets(project);
      if (report.keyCreated)
        log.success(
          `created your age key ${report.keyFile} (0600); back it up, it is the only way to read your secrets`,
        );
      else log.info(`using your age key ${report.keyFile}`);
      log.info(`your public key (share it freely): ${report.publicKey}`);
      log.info(report.configWritten ? 'wrote .sops.yaml' : '.sops.yaml already up to date');
      for (const file of report.encrypted)
        log.success(`encrypted ${file.slice(project.repoRoot.length + 1)}`);
      for (const file of report.rekeyed) log.success(`re-keyed ${file.slice(project.repoRoot.length + 1)}`);
      printResult(report, args.json, () => report.publicKey);
      return;
    }
    case 'edit': {
      const file = resolve(requireTarget(args.target, 'the file to edit'));
      const result = await editSecrets(project, file);
      log.info(
        result.created ? `created ${args.target}` : result.changed ? `saved ${args.target}` : 'no changes',
      );
      return;
    }
    case 'show': {
      // Explicitly asked for: the plaintext goes to stdout unredacted, and nowhere else.
      const file = resolve(requireTarget(args.target, 'the file to show'));
      const context = await sopsContextFor(project, file);
      const shown = args.key
        ? selectKey(await decryptData(file, context), args.key, args.target!)
        : args.json
          ? JSON.stringify(await decryptData(file, context), null, 2)
          : (await decryptText(file, context)).replace(/\n$/, '');
      process.stdout.write(`${shown}\n`);
      return;
    }
    case 'add-recipient': {
      const recipient = assertAgeRecipient(requireTarget(args.target, 'the age recipient (age1...) to add'));
      const only = args.only;
      const outcomes = await addRecipient(
        project,
        recipient,
        only ? (rule) => rule.path_regex === only : undefined,
      );
      log.success(`added ${recipient} to .sops.yaml${only ? ` (rule ${only})` : ''}`);
      return reportOutcomes('re-keyed', outcomes, project);
    }
    case 'rotate':
      return reportOutcomes('rotated the data key of', await rotateAll(project), project);
    case 'check': {
      const findings = await checkSecrets({
        repoRoot: project.repoRoot,
        environmentKeys: environments.keys,
        schemaFiles: environments.secretsFiles,
        leakScanPaths: args.leakScan ? await repositoryFiles(project.repoRoot) : undefined,
      });
      printResult({ ok: findings.length === 0, findings }, args.json, () =>
        findings.length === 0
          ? 'secrets: every file encrypted, readable, and matching .sops.yaml; no plaintext value found'
          : findings
              .map((f) => `${f.file}${f.line ? `:${f.line}` : ''}: [${f.rule}] ${f.message}`)
              .join('\n'),
      );
      return findings.length === 0 ? 0 : 1;
    }
    case 'demo': {
      const local = Object.entries(environments.keys)[0];
      if (!local) {
        throw new InfraError(
          'SECRETS_NO_DEMO_ENVIRONMENT',
          'no environment in infra.config.yaml sets ageKeyFile',
          {
            hint: 'the local environment names its demo key with `ageKeyFile: secrets/local-demo.agekey`',
          },
        );
      }
      const [secretsFile, keyFile] = local;
      const { recipient } = await createDemoSecrets(project, { secretsFile, keyFile, force: args.force });
      log.success(
        `wrote ${keyFile.slice(project.repoRoot.length + 1)} (demo recipient ${recipient}) and ${secretsFile.slice(project.repoRoot.length + 1)}`,
      );
      return;
    }
  }
});
