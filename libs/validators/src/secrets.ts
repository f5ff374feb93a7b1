import { access } from 'node:fs/promises';
import { loadEnvironment, validateConfig } from '@infra/config';
import { checkSecrets, repositoryFiles } from '@infra/sops-secrets';
import type { ValidationContext } from './context';
import { configErrorFinding, type Finding } from './finding';
import { toRepoPath } from './paths';

/**
 * `@infra/sops-secrets` `checkSecrets` over the project (secrets/): every file SOPS-encrypted with no plaintext
 * value, readable, for the recipients .sops.yaml assigns, and each environment's file well-formed; no demo
 * recipient in .sops.yaml; and the leak scan `secrets.ts check` runs: no decrypted value (in any encoding the
 * scanner knows) and no age private key in any file of the repository (`git ls-files`, tracked and new). Each
 * environment's own key file (infra.config.yaml `ageKeyFile`) is offered for its secrets file.
 */
export async function secretsCheck(ctx: ValidationContext): Promise<Finding[]> {
  const environmentKeys: Record<string, string> = {};
  const schemaFiles: string[] = [];
  try {
    for (const name of await validateConfig({ cwd: ctx.repoRoot })) {
      const env = await loadEnvironment(name, { cwd: ctx.repoRoot });
      const exists = await access(env.secrets).then(
        () => true,
        () => false,
      );
      if (exists) schemaFiles.push(env.secrets);
      if (env.ageKeyFile) environmentKeys[env.secrets] = env.ageKeyFile;
    }
  } catch (error) {
    return [configErrorFinding(error)];
  }
  const leakScanPaths = await repositoryFiles(ctx.repoRoot);
  const found = await checkSecrets({
    repoRoot: ctx.repoRoot,
    secretsDir: ctx.projectRoot,
    env: ctx.env as NodeJS.ProcessEnv,
    environmentKeys,
    schemaFiles,
    leakScanPaths,
  });
  // The scan must not pass by not running.
  if (!leakScanPaths) {
    found.push({
      file: '.',
      rule: 'leaked-value',
      message: `${ctx.repoRoot} is not a git work tree, so the leak scan cannot list the repository's files`,
    });
  }
  return found.map((finding) => ({
    file: toRepoPath(ctx.repoRoot, finding.file),
    ...(finding.line ? { line: finding.line } : {}),
    rule: finding.rule,
    severity: 'error' as const,
    message: finding.message,
    tool: 'sops',
  }));
}
