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

/**
 * Lines of a multi-line secret that carry no secret of their own: PEM armour (`-----END RSA PRIVATE KEY-----`)
 * and a bare YAML key (`clusters:`, `- cluster:`). Every other line is registered, however ordinary it looks
 * (`kind: Config`): over-masking a log line is cheap, leaking one base64 line of a key is not.
 */
const STRUCTURE_ONLY_LINE = /^(?:-----(?:BEGIN|END) [A-Z0-9 ]+-----|(?:- )?[A-Za-z0-9_.-]+:|[-{}[\],]+)$/;
/** Shorter lines are trivial (the tail of a base64 block): masking `AB==` in every log line helps no one. */
const MIN_LINE_LENGTH = 8;
const MIN_FIELD_VALUE_LENGTH = 16;

/**
 * Registers a value that must never be printed. Short values are ignored: masking "1" everywhere helps no one.
 * Output is redacted line by line (a child process's output, the logger), so each line of a multi-line secret
 * (kubeconfig, Talos secrets bundle, PEM key) is registered too; and the escaped forms it takes in a URL or in
 * `--json` output, where its newlines and quotes are escaped.
 */
export function registerSecret(value: string | undefined | null): void {
  if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) return;
  addWithEncodings(value);
  if (!/[\r\n]/.test(value)) return;
  for (const raw of value.split(/\r?\n|\r/)) {
    const line = raw.trim();
    if (line.length < MIN_LINE_LENGTH || STRUCTURE_ONLY_LINE.test(line)) continue;
    addWithEncodings(line);
    const field = yamlFieldValue(line);
    if (field !== undefined) addWithEncodings(field);
  }
}

/**
 * The value of a `key: value` line when it can be a credential on its own (a token, base64 key data), since a
 * tool may print it without its key (`kubectl config view -o jsonpath=...`). Short values are words
 * (`Config`, `v1`); a URL without user info is an address (`server: https://10.0.0.10:6443`), not a secret,
 * and stays readable in logs.
 */
function yamlFieldValue(line: string): string | undefined {
  const match = /^(?:- )?[A-Za-z0-9_.-]+:\s+(["']?)(\S+)\1$/.exec(line);
  const value = match?.[2];
  if (value === undefined || value.length < MIN_FIELD_VALUE_LENGTH) return undefined;
  return isAddress(value) ? undefined : value;
}

function isAddress(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return /^[a-z]+:\/\//.test(value) && url.username === '' && url.password === '';
}

function addWithEncodings(value: string): void {
  secrets.add(value);
  // The URL-encoded form shows up in request bodies and query strings.
  const encoded = encodeURIComponent(value);
  if (encoded !== value) secrets.add(encoded);
  // The JSON string form (without its quotes) is what `--json` output and JSON request bodies carry.
  const json = JSON.stringify(value).slice(1, -1);
  if (json !== value) secrets.add(json);
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
