/**
 * Process-wide redaction. Every secret value a script loads is registered here, and every line the logger
 * or the error printer writes passes through `redact`. Known token shapes are masked even when they were
 * never registered (a token typed on a command line, a key pasted into a config).
 */
const MASK = '***';
const MIN_SECRET_LENGTH = 4;

const TOKEN_SHAPES: readonly RegExp[] = [
  // PVEAPIToken=user@realm!tokenid=SECRET  (keep the token id, mask the secret)
  /(PVEAPIToken=[^\s=!]+![^\s=]+=)[^\s"',;]+/g,
  // PVEAuthCookie=PVE:... and CSRFPreventionToken: ...
  /(PVEAuthCookie=)[^\s;"']+/g,
  /(CSRFPreventionToken["']?\s*[:=]\s*["']?)[^\s"',;]+/gi,
  // age identities
  /AGE-SECRET-KEY-(?:PQ-)?1[0-9A-Z]+/g,
  // PEM private keys
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
  // Authorization: Bearer/Basic xyz
  /((?:authorization|x-api-key)["']?\s*[:=]\s*["']?(?:bearer |basic )?)[^\s"',;]+/gi,
];

const secrets = new Set<string>();

/** Registers a value that must never be printed. Short values are ignored: masking "1" everywhere helps no one. */
export function registerSecret(value: string | undefined | null): void {
  if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) return;
  secrets.add(value);
  // The URL-encoded form shows up in request bodies and query strings.
  const encoded = encodeURIComponent(value);
  if (encoded !== value) secrets.add(encoded);
}

export function registeredSecretCount(): number {
  return secrets.size;
}

/** For tests only: forget every registered secret. */
export function clearSecretsForTests(): void {
  secrets.clear();
}

export function redact(text: string): string {
  let out = text;
  // Longest first, so a secret that contains another is masked whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (out.includes(secret)) out = out.split(secret).join(MASK);
  }
  for (const shape of TOKEN_SHAPES) {
    out = out.replace(shape, (_match: string, keep?: string) =>
      typeof keep === 'string' ? `${keep}${MASK}` : MASK,
    );
  }
  return out;
}
