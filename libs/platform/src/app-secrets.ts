import { basename } from 'node:path';
import { parse } from 'yaml';
import type { AppSecret, Component } from './component';
import { finding, type PlatformFinding } from './finding';
import type { ManifestDocument, SopsSummary } from './manifests';

/** A manifest kept SOPS-encrypted in git (only its data/stringData values are ciphertext). */
export const ENCRYPTED_MANIFEST = /\.enc\.ya?ml$/;

/** What sops writes for an encrypted value: `ENC[AES256_GCM,data:...,iv:...,tag:...,type:str]`. */
const CIPHERTEXT = /^ENC\[AES256_GCM,data:[^\]]*\]$/;

/**
 * Makes a stand-in for an app Secret that is not in this checkout: `appSecretManifest` with generated values,
 * encrypted, as text. Injected by the caller (the validator encrypts with sops for an age key it makes for the
 * run and deletes), so this library stays free of sops and keys.
 */
export type AppSecretStandIn = (input: {
  component: Component;
  /** Repository-relative path of the missing file. */
  file: string;
  secret: AppSecret;
}) => Promise<string>;

/**
 * An encrypted manifest without its `sops:` metadata, which is what Kubernetes gets once Flux decrypts it (and
 * what the schemas check: every other field is plaintext, the values are ciphertext strings). sops writes the
 * metadata last, so cutting it keeps every line number above it; `sops` is undefined for a plain file.
 */
export function splitSopsMetadata(text: string): { manifest: string; sops?: SopsSummary } {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch {
    return { manifest: text }; // the manifest parser reports the syntax error with its line
  }
  if (!raw || typeof raw !== 'object' || !('sops' in raw)) return { manifest: text };
  const metadata = (raw as { sops?: { encrypted_regex?: unknown; age?: { recipient?: unknown }[] } }).sops;
  const sops: SopsSummary = {
    ...(typeof metadata?.encrypted_regex === 'string' ? { encryptedRegex: metadata.encrypted_regex } : {}),
    recipients: (metadata?.age ?? [])
      .map((a) => a.recipient)
      .filter((r): r is string => typeof r === 'string'),
  };
  const lines = text.split('\n');
  const start = lines.findIndex((line) => /^sops:/.test(line));
  const rest = lines.slice(start + 1);
  if (start >= 0 && rest.every((line) => line === '' || /^\s/.test(line))) {
    return { manifest: `${lines.slice(0, start).join('\n')}\n`, sops };
  }
  // Not where sops puts it: drop the key (line numbers are then those of the re-serialised text).
  const { sops: _dropped, ...manifest } = raw as Record<string, unknown>;
  return { manifest: JSON.stringify(manifest, null, 2), sops };
}

/** The plaintext Secret manifest of a declared app secret, with the given values (for a stand-in). */
export function appSecretManifest(secret: AppSecret, values: Record<string, string>): string {
  const lines = [
    'apiVersion: v1',
    'kind: Secret',
    'metadata:',
    `  name: ${secret.name}`,
    `  namespace: ${secret.namespace}`,
    'type: Opaque',
    'stringData:',
    ...Object.keys(secret.keys).flatMap((key) => [
      `  ${key}: |-`,
      ...(values[key] ?? '').split('\n').map((line) => `    ${line}`),
    ]),
  ];
  return `${lines.join('\n')}\n`;
}

const SECRET_SECTIONS = ['data', 'stringData'] as const;

/**
 * App secrets: a `*.enc.yaml` manifest is a Secret that sops encrypted with `encryptedRegex` (only data and
 * stringData are ciphertext, so Flux and kustomize still read kind and metadata), has no plaintext value, and
 * matches its declaration in component.yaml (name, namespace, exactly the declared keys). A Secret with values in
 * any other file is plaintext in git: an error.
 */
export function checkAppSecrets(
  documents: readonly ManifestDocument[],
  component: Component,
  encryptedRegex: string,
): PlatformFinding[] {
  const findings: PlatformFinding[] = [];
  const declared = component.spec.secrets ?? {};
  for (const document of documents) {
    const { object } = document;
    const sections = SECRET_SECTIONS.filter(
      (section) =>
        object[section] && typeof object[section] === 'object' && Object.keys(object[section]).length > 0,
    );
    if (!ENCRYPTED_MANIFEST.test(document.file)) {
      if (object.kind === 'Secret' && sections.length > 0) {
        findings.push(
          finding(
            document,
            [sections[0]!],
            'secret-plaintext',
            `a Secret with values in plaintext in git; keep it as a SOPS-encrypted ${basename(document.file).replace(/\.ya?ml$/, '.enc.yaml')} (kubernetes/README.md "App secrets")`,
          ),
        );
      }
      continue;
    }
    if (!document.sops) {
      findings.push(
        finding(
          document,
          [],
          'secret-not-encrypted',
          `named *.enc.yaml but not encrypted (no sops metadata): encrypt it with \`sops encrypt --in-place ${document.file}\` (the .sops.yaml kubernetes rule) before it is committed`,
        ),
      );
      continue;
    }
    if (object.kind !== 'Secret') {
      findings.push(
        finding(
          document,
          ['kind'],
          'secret-kind',
          `an encrypted manifest must be a Secret, not ${String(object.kind)}`,
        ),
      );
    }
    if (document.sops.encryptedRegex !== encryptedRegex) {
      findings.push({
        file: document.file,
        field: 'sops.encrypted_regex',
        rule: 'secret-encrypted-regex',
        message: `is ${document.sops.encryptedRegex === undefined ? 'not set' : `"${document.sops.encryptedRegex}"`}; expected "${encryptedRegex}" (the .sops.yaml kubernetes rule: only the values are encrypted, so Flux can read kind and metadata)`,
      });
    }
    for (const section of sections) {
      for (const [key, value] of Object.entries(object[section] as Record<string, unknown>)) {
        if (typeof value !== 'string' || !CIPHERTEXT.test(value)) {
          findings.push(
            finding(
              document,
              [section, key],
              'secret-plaintext',
              'in plaintext inside an encrypted file; set it with `sops edit` so that sops encrypts it',
            ),
          );
        }
      }
    }
    const secret = declared[basename(document.file)];
    if (!secret) {
      findings.push({
        file: `${component.dir}/component.yaml`,
        field: `secrets.${basename(document.file)}`,
        rule: 'secret-undeclared',
        message: `${document.file} is not declared; add {name, namespace, keys} so that its shape is checked`,
      });
      continue;
    }
    const metadata = (object.metadata ?? {}) as { name?: unknown; namespace?: unknown };
    if (metadata.name !== secret.name || metadata.namespace !== secret.namespace) {
      findings.push(
        finding(
          document,
          ['metadata'],
          'secret-keys',
          `expected ${secret.namespace}/${secret.name}, as component.yaml secrets.${basename(document.file)} declares`,
        ),
      );
    }
    const keys = sections.flatMap((section) => Object.keys(object[section] as Record<string, unknown>));
    const missing = Object.keys(secret.keys).filter((key) => !keys.includes(key));
    const extra = keys.filter((key) => !(key in secret.keys));
    if (missing.length > 0 || extra.length > 0) {
      findings.push(
        finding(
          document,
          [sections[0] ?? 'stringData'],
          'secret-keys',
          `${[missing.length ? `missing ${missing.join(', ')}` : '', extra.length ? `undeclared ${extra.join(', ')}` : ''].filter(Boolean).join('; ')} (component.yaml secrets.${basename(document.file)}.keys)`,
        ),
      );
    }
  }
  return findings;
}
