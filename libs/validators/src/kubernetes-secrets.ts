import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  type AppSecret,
  type AppSecretStandIn,
  appSecretManifest,
  type Component,
  type SecretValueKind,
} from '@infra/platform';
import {
  encryptToFile,
  generateAgeKey,
  KUBERNETES_SECRETS_RULE,
  resolveSopsKeys,
  writeSopsConfig,
} from '@infra/sops-secrets';

/** A fresh value of the declared kind: what a real one looks like, known to nobody. */
export function appSecretValue(kind: SecretValueKind): string {
  switch (kind) {
    case 'ed25519-private-key':
      // PKCS#8 PEM: Go's x/crypto/ssh ParsePrivateKey (Ollama's identity key loader) reads it.
      return generateKeyPairSync('ed25519')
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString()
        .trim();
    case 'random-token':
      return randomBytes(32).toString('base64url');
  }
}

export const appSecretValues = (secret: AppSecret): Record<string, string> =>
  Object.fromEntries(Object.entries(secret.keys).map(([key, kind]) => [key, appSecretValue(kind)]));

/**
 * Stand-ins for app secrets a checkout does not have (each clone encrypts its own for its own recipients, so a
 * fresh clone has none): the declared Secret with fresh values, encrypted by the real sops with the kubernetes
 * rule's settings for an age key made for this one stand-in. The plaintext goes to sops on stdin; the key, the
 * rule and the ciphertext file live in a 0700 scratch folder removed before this returns, so nobody can ever
 * decrypt the stand-in and nothing of it is left on disk.
 */
export function appSecretStandIn(scratchRoot: string, env: NodeJS.ProcessEnv): AppSecretStandIn {
  return async ({ file, secret }) => {
    const dir = await mkdtemp(join(scratchRoot, 'app-secret-'));
    try {
      const keyFile = join(dir, 'stand-in.agekey');
      const recipient = await generateAgeKey(keyFile);
      const configPath = join(dir, '.sops.yaml');
      await writeSopsConfig(configPath, {
        creation_rules: [{ encrypted_regex: KUBERNETES_SECRETS_RULE.encrypted_regex, age: [recipient] }],
      });
      const keys = await resolveSopsKeys({ env, environmentKeyFile: keyFile, ignoreUserKey: true });
      const out = join(dir, basename(file));
      await encryptToFile(out, appSecretManifest(secret, appSecretValues(secret)), {
        keys,
        configPath,
        displayRoot: dir,
      });
      return await readFile(out, 'utf8');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}

/**
 * Creates a component's declared app secrets that do not exist yet, with fresh values of the declared kinds,
 * encrypted by sops for the recipients `.sops.yaml`'s kubernetes rule names (`secrets.ts init` writes it). The
 * plaintext only ever goes to sops on stdin. An existing file is left alone: change it with `sops edit`.
 */
export async function createAppSecrets(
  repoRoot: string,
  component: Component,
  env: NodeJS.ProcessEnv,
): Promise<{ created: string[]; kept: string[] }> {
  const created: string[] = [];
  const kept: string[] = [];
  const keys = await resolveSopsKeys({ env });
  for (const [name, secret] of Object.entries(component.spec.secrets ?? {})) {
    const file = `${component.dir}/${name}`;
    if (
      await stat(join(repoRoot, file)).then(
        () => true,
        () => false,
      )
    ) {
      kept.push(file);
      continue;
    }
    await encryptToFile(join(repoRoot, file), appSecretManifest(secret, appSecretValues(secret)), {
      keys,
      configPath: join(repoRoot, '.sops.yaml'),
      displayRoot: repoRoot,
    });
    created.push(file);
  }
  return { created, kept };
}
