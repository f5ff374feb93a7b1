import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfraError, runProcess, writeFileAtomic } from '@infra/core';
import { generateAgeKey, publicKeysOf, readIdentityFile } from './age-keys';
import { renderDemoKeyFile } from './demo-key';
import { resolveSopsKeys } from './key-context';
import type { SecretsProject } from './project';
import type { Secrets } from './secrets-schema';
import { encryptToFile } from './sops-client';
import {
  configRelativePath,
  exactPathRegex,
  readSopsConfig,
  sopsConfigSchema,
  withProjectStores,
  writeSopsConfig,
} from './sops-config';

/**
 * (Re)creates the committed demo of the `local` environment: a throw-away age key with its warning header,
 * and the secrets file for the embedded simulators encrypted for it: a fresh Proxmox token
 * (`root@pam!infra` + random UUID), the hash of a random admin password nobody keeps, and the public half
 * of an SSH key whose private half is discarded. Nothing in it unlocks anything real.
 */
export async function createDemoSecrets(
  project: SecretsProject,
  options: { secretsFile: string; keyFile: string; force?: boolean },
): Promise<{ recipient: string }> {
  if (!options.force && (await exists(options.secretsFile))) {
    throw new InfraError('SECRETS_DEMO_EXISTS', `${options.secretsFile} already exists`, {
      hint: 'pass --force to regenerate the demo',
    });
  }
  const previous = await readDemoRecipient(options.keyFile);
  const scratch = await mkdtemp(join(tmpdir(), 'infra-demo-key-'));
  let identity: string;
  let recipient: string;
  try {
    recipient = await generateAgeKey(join(scratch, 'key.txt'));
    [identity] = (await readIdentityFile(join(scratch, 'key.txt'))) as [string];
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  const protects = configRelativePath(project.configPath, options.secretsFile);
  await writeFileAtomic(options.keyFile, renderDemoKeyFile({ identity, publicKey: recipient, protects }), {
    mode: 0o600,
  });

  const config = await readSopsConfig(project.configPath).catch(() => sopsConfigSchema.parse({}));
  const pathRegex = exactPathRegex(protects);
  const rule = config.creation_rules.find((r) => r.path_regex === pathRegex);
  if (rule) rule.age = [recipient, ...(rule.age ?? []).filter((r) => r !== recipient && r !== previous)];
  else config.creation_rules.unshift({ path_regex: pathRegex, age: [recipient] });
  await writeSopsConfig(project.configPath, withProjectStores(config));

  const keys = await resolveSopsKeys({
    env: project.env,
    environmentKeyFile: options.keyFile,
    ignoreUserKey: true,
  });
  await encryptToFile(options.secretsFile, await demoValues(), {
    keys,
    configPath: project.configPath,
    displayRoot: project.repoRoot,
  });
  return { recipient };
}

export async function demoValues(): Promise<Secrets> {
  return {
    proxmox: { tokenId: 'root@pam!infra', tokenSecret: randomUUID() },
    admin: {
      username: 'infra',
      passwordHash: await sha512Crypt(randomBytes(18).toString('base64url')),
      sshPublicKeys: [ed25519PublicKeyLine('infra-demo (private half discarded)')],
    },
    tofu: { statePassphrase: randomBytes(32).toString('base64url') },
  };
}

/** `$6$...` via `openssl passwd -6`, the password on stdin (never argv). */
export async function sha512Crypt(password: string): Promise<string> {
  const result = await runProcess('openssl', ['passwd', '-6', '-stdin'], {
    input: `${password}\n`,
    rawStdout: true,
  }).catch(() => undefined);
  if (result?.exitCode !== 0 || !result.stdout.startsWith('$6$')) {
    throw new InfraError('OPENSSL_FAILED', 'could not hash the demo password with `openssl passwd -6`', {
      hint: 'install openssl (Debian: apt-get install openssl)',
    });
  }
  return result.stdout.trim();
}

/** An OpenSSH `ssh-ed25519 AAAA... comment` line for a fresh key whose private half is never kept. */
export function ed25519PublicKeyLine(comment: string): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const field = (data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    return Buffer.concat([length, data]);
  };
  const blob = Buffer.concat([field(Buffer.from('ssh-ed25519')), field(raw)]);
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** The recipient of an existing demo key file (so a regenerated demo drops it from .sops.yaml). */
async function readDemoRecipient(keyFile: string): Promise<string | undefined> {
  if (!(await exists(keyFile))) return undefined;
  const [recipient] = await publicKeysOf(await readIdentityFile(keyFile));
  return recipient;
}
