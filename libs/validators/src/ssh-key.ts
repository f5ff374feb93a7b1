import { generateKeyPairSync } from 'node:crypto';

/** Encodes one SSH wire-format string: uint32 length + bytes. */
function sshString(data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, data]);
}

/**
 * A fresh ed25519 key pair: the private key as PKCS#8 PEM (OpenSSH and Go's x/crypto/ssh both read it) and the
 * public key as an authorized_keys line. Used for throw-away build users and for `packer validate`, which checks
 * that ssh_private_key_file parses. Write the private key only to a 0600 file in a private temp dir.
 */
export function generateEphemeralSshKey(comment = 'infra-ephemeral'): {
  privateKeyPem: string;
  publicKey: string;
} {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  if (!jwk.x) throw new Error('ed25519 public key export returned no key material');
  const raw = Buffer.from(jwk.x, 'base64url');
  const blob = Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(raw)]);
  return {
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKey: `ssh-ed25519 ${blob.toString('base64')} ${comment}`,
  };
}
