#!/usr/bin/env tsx
/**
 * SOPS + age secrets (libs/sops-secrets). Secrets live in secrets/<env>.enc.yaml, encrypted for the age
 * recipients in .sops.yaml; nothing here writes plaintext to disk or puts a secret on a command line.
 */
import { resolve } from 'node:path';
import {
  defineCommand,
  defineGroup,
  InfraError,
  jsonOption,
  log,
  option,
  positional,
  printResult,
  runProcess,
  runScript,
} from '@infra/core';
import type { DemoEnvironment, FileOutcome, SecretsProject } from '@infra/sops-secrets';
import type { ScriptsErrorCode } from './support/error-codes';

interface Environments {
  repoRoot: string;
  /** Absolute secrets file → the environment's own key file. */
  keys: Record<string, string>;
  secretsFiles: string[];
  /** Environments whose demo key and secrets are generated per clone under .infra/. */
  demos: DemoEnvironment[];
}

/** Reads every environment's secrets file and own key from infra.config.yaml. */
async function loadEnvironments(): Promise<Environments> {
  const config = await import('@infra/config');
  const loaded = await config.loadConfigFile();
  const keys: Record<string, string> = {};
  const secretsFiles: string[] = [];
  const demos: DemoEnvironment[] = [];
  const { generatedDemo } = await import('@infra/sops-secrets');
  for (const name of config.environmentNames(loaded)) {
    const { environment } = config.resolveEnvironment(loaded, name);
    secretsFiles.push(environment.secrets);
    if (environment.ageKeyFile) keys[environment.secrets] = environment.ageKeyFile;
    const demo = generatedDemo(environment);
    if (demo && !demos.some((d) => d.ageKeyFile === demo.ageKeyFile)) demos.push(demo);
  }
  return { repoRoot: loaded.repoRoot, keys, secretsFiles: [...new Set(secretsFiles)], demos };
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
  const result = await runProcess('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repoRoot,
  });
  if (result.exitCode !== 0) return undefined;
  return result.stdout
    .split('\0')
    .filter(Boolean)
    .map((path) => resolve(repoRoot, path));
}

/**
 * Every subcommand works on the same project: the repo's .sops.yaml, secrets files and environment keys. The
 * libraries load here, not at import, so `--help` stays quick.
 */
async function openProject() {
  const lib = await import('@infra/sops-secrets');
  const environments = await loadEnvironments();
  const project = lib.secretsProject(environments.repoRoot, { environmentKeys: environments.keys });
  return { environments, project, lib };
}

const init = defineCommand({
  description: 'your age key (created 0600 if missing), .sops.yaml rules, encrypt plaintext files, re-key',
  options: { json: jsonOption },
  run: async ({ args }) => {
    const { project, lib } = await openProject();
    const report = await lib.initSecrets(project);
    if (report.keyCreated)
      log.success(
        `created your age key ${report.keyFile} (0600); back it up, it is the only way to read your secrets`,
      );
    else log.info(`using your age key ${report.keyFile}`);
    log.info(`your public key (share it freely): ${report.publicKey}`);
    log.info(report.configWritten ? 'wrote .sops.yaml' : '.sops.yaml already up to date');
    for (const file of report.encrypted) log.success(`encrypted ${file.slice(project.repoRoot.length + 1)}`);
    for (const file of report.rekeyed) log.success(`re-keyed ${file.slice(project.repoRoot.length + 1)}`);
    printResult(report, args.json, () => report.publicKey);
  },
});

const edit = defineCommand({
  description: 'edit in $SOPS_EDITOR/$EDITOR (a new file starts from the template)',
  positionals: { file: positional.required('file', 'e.g. secrets/lab.enc.yaml') },
  run: async ({ args }) => {
    const { project, lib } = await openProject();
    const result = await lib.editSecrets(project, resolve(args.file));
    log.info(result.created ? `created ${args.file}` : result.changed ? `saved ${args.file}` : 'no changes');
  },
});

const show = defineCommand({
  description: 'print the decrypted content (or one key) to stdout, only when asked',
  positionals: { file: positional.required('file', 'e.g. secrets/prod.enc.yaml') },
  options: {
    key: option.string('print only this key', { short: 'k', value: 'dotted.key' }),
    json: jsonOption,
  },
  examples: ['secrets.ts show .infra/demo/local.enc.yaml --key proxmox.tokenId'],
  run: async ({ args }) => {
    const { project, lib } = await openProject();
    // Explicitly asked for: the plaintext goes to stdout unredacted, and nowhere else.
    const file = resolve(args.file);
    const context = await lib.sopsContextFor(project, file);
    const shown = args.key
      ? lib.selectKey(await lib.decryptData(file, context), args.key, args.file)
      : args.json
        ? JSON.stringify(await lib.decryptData(file, context), null, 2)
        : (await lib.decryptText(file, context)).replace(/\n$/, '');
    process.stdout.write(`${shown}\n`);
  },
});

const addRecipientCommand = defineCommand({
  description: 'add an age recipient to the rules, then re-key every file',
  positionals: { recipient: positional.required('age1...', 'the public key to add') },
  options: { only: option.string('add it only to the rule with this path_regex', { value: 'path_regex' }) },
  run: async ({ args }) => {
    const { project, lib } = await openProject();
    const recipient = lib.assertAgeRecipient(args.recipient);
    const only = args.only;
    const outcomes = await lib.addRecipient(
      project,
      recipient,
      only ? (rule) => rule.path_regex === only : undefined,
    );
    log.success(`added ${recipient} to .sops.yaml${only ? ` (rule ${only})` : ''}`);
    return reportOutcomes('re-keyed', outcomes, project);
  },
});

const rotate = defineCommand({
  description: 'new data key for every file (after removing a recipient)',
  run: async () => {
    const { project, lib } = await openProject();
    return reportOutcomes('rotated the data key of', await lib.rotateAll(project), project);
  },
});

const check = defineCommand({
  description:
    'the secrets:validate target: encrypted, readable, matching .sops.yaml, no leak; exit 1 on a finding',
  options: {
    json: jsonOption,
    'no-leak-scan': option.flag('skip the scan of repository files for decrypted values'),
  },
  run: async ({ args }) => {
    const { environments, project, lib } = await openProject();
    const findings = await lib.checkSecrets({
      repoRoot: project.repoRoot,
      environmentKeys: environments.keys,
      schemaFiles: environments.secretsFiles,
      leakScanPaths: args['no-leak-scan'] ? undefined : await repositoryFiles(project.repoRoot),
    });
    printResult({ ok: findings.length === 0, findings }, args.json, () =>
      findings.length === 0
        ? 'secrets: every file encrypted, readable, and matching .sops.yaml; no plaintext value found'
        : findings.map((f) => `${f.file}${f.line ? `:${f.line}` : ''}: [${f.rule}] ${f.message}`).join('\n'),
    );
    return findings.length === 0 ? 0 : 1;
  },
});

const demo = defineCommand({
  description: 'generate the local demo key and secrets under .infra/demo/ (done on first use anyway)',
  options: { force: option.flag('start over: a new demo key and new values') },
  run: async ({ args }) => {
    const { environments, project, lib } = await openProject();
    if (environments.demos.length === 0) {
      throw new InfraError<ScriptsErrorCode>(
        'SECRETS_NO_DEMO_ENVIRONMENT',
        'no environment in infra.config.yaml keeps its ageKeyFile and secrets under .infra/',
        {
          hint: 'the local environment sets `secrets: .infra/demo/local.enc.yaml` and `ageKeyFile: .infra/demo/local.agekey`',
        },
      );
    }
    const show = (path: string) => path.slice(project.repoRoot.length + 1);
    for (const environment of environments.demos) {
      const report = await lib.ensureDemoSecrets(environment, { force: args.force });
      log.success(
        report.fieldsAdded.length === 0
          ? `${environment.name}: ${show(environment.secrets)} is complete (demo recipient ${report.recipient})`
          : `${environment.name}: ${report.keyCreated ? `new demo key ${show(environment.ageKeyFile)}, ` : ''}generated ${report.fieldsAdded.join(', ')} in ${show(environment.secrets)}`,
      );
    }
  },
});

export const command = defineGroup({
  description: 'SOPS + age secrets: init, edit, show, add-recipient, rotate, check, demo',
  subcommands: { init, edit, show, 'add-recipient': addRecipientCommand, rotate, check, demo },
});

await runScript(import.meta.url, command);
