import { isIPv4, isIPv6 } from 'node:net';

/**
 * The anonymiser of the diagnostics bundle (pure: no I/O, no clock, no randomness). Every identifying value
 * becomes a pseudonym that is stable within one anonymiser (one bundle): the same value always gets the same
 * pseudonym, so "host-1 answered, host-2 did not" stays readable while neither name is shown. Secrets are not
 * pseudonymised but removed (`[secret]`).
 *
 * Order matters and is fixed: secrets and PEM blocks first (nothing of them may survive as a "pseudonym"), then
 * the exact values the caller knows (token ids, user names, host names, serials, from config, secrets and the
 * inventory), then the shapes found by pattern (token ids, e-mail addresses, user@realm, MACs, IPv6, IPv4,
 * domain names, UUIDs, `serial: …` fields), last the known single-label host names as whole words.
 */

export type IdentifierKind =
  | 'hostname'
  | 'domain'
  | 'ip'
  | 'mac'
  | 'serial'
  | 'token-id'
  | 'user'
  | 'email'
  | 'uuid'
  | 'fingerprint';

/** What a replacement counts as in the manifest: an identifier kind, a removed secret or PEM block, a path. */
export type RedactionKind = IdentifierKind | 'secret' | 'pem' | 'path';
export type RedactionCounts = Partial<Record<RedactionKind, number>>;

export interface KnownIdentifier {
  kind: IdentifierKind;
  value: string;
}

export interface AnonymiserInput {
  /** Values removed wherever they appear (token secret, passphrases, keys), also in escaped/base64 forms. */
  secrets?: readonly string[];
  /** Identifiers the caller knows (config, secrets, inventory); found by exact match, also escaped/base64. */
  known?: readonly KnownIdentifier[];
  /** Path prefixes shown as a fixed label (the repository root → `<repo>`, the home directory → `~`). */
  paths?: ReadonlyArray<{ prefix: string; label: string }>;
  /** User names left as they are (`root`: the same on every Proxmox host, identifies no one). */
  keepUsers?: readonly string[];
}

export interface AnonymisedText {
  text: string;
  counts: RedactionCounts;
}

export interface Anonymiser {
  anonymise(text: string): AnonymisedText;
  /** The pseudonym a value has (or gets) in this bundle. */
  pseudonym(kind: IdentifierKind, value: string): string;
  /** How many distinct values of each kind were pseudonymised so far (counts, never values). */
  distinct(): Partial<Record<IdentifierKind, number>>;
}

const SECRET_MARK = '[secret]';
const PEM_MARK = '[pem block removed]';
const MIN_KNOWN_LENGTH = 3;

const PREFIX: Record<IdentifierKind, string> = {
  hostname: 'host',
  domain: 'domain',
  ip: 'ip',
  mac: 'mac',
  serial: 'serial',
  'token-id': 'token',
  user: 'user',
  email: 'email',
  uuid: 'uuid',
  fingerprint: 'certfp',
};

/** Domains of public infrastructure the project talks to: naming them identifies no user. */
const PUBLIC_DOMAINS = [
  'talos.dev',
  'siderolabs.com',
  'github.com',
  'githubusercontent.com',
  'ghcr.io',
  'docker.io',
  'quay.io',
  'nvcr.io',
  'k8s.io',
  'kubernetes.io',
  'debian.org',
  'ubuntu.com',
  'archlinux.org',
  'pkgbuild.io',
  'nixos.org',
  'microsoft.com',
  'fedorapeople.org',
  'nvidia.com',
  'proxmox.com',
  'opentofu.org',
  'hashicorp.com',
  'terraform.io',
  'helm.sh',
  'example.com',
  'example.org',
  'example.net',
];
/** Top-level labels that make a dotted word a domain name (file names like `infra.config.yaml` are not). */
const TLDS =
  'com|net|org|io|dev|app|cloud|lan|local|home|internal|localdomain|intranet|corp|arpa|test|example|invalid|de|uk|fr|nl|ch|at|eu|us|ca|au|be|se|no|fi|dk|pl|cz|it|es|pt|ie|jp|cn|ru|br|in|info|biz|me|tv|xyz|online|site|tech|ai|lab|network|space|systems|zone|casa|family';
/** Two-label names under these are a host in a private zone (`pve.lan`), not a registered domain. */
const PRIVATE_TLDS = new Set(['lan', 'local', 'home', 'internal', 'localdomain', 'intranet', 'corp', 'casa']);

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const FQDN = new RegExp(
  `(?<![A-Za-z0-9_.@-])(?:${LABEL}\\.)+(?:${TLDS})(?![A-Za-z0-9_-]|\\.[A-Za-z0-9])`,
  'gi',
);
const TOKEN_ID = /(?<![\w.@-])([A-Za-z0-9._-]+)@([A-Za-z0-9._-]+)!([A-Za-z0-9._-]+)(?![\w-])/g;
const EMAIL = new RegExp(
  `(?<![\\w.@-])([A-Za-z0-9._%+-]+)@((?:${LABEL}\\.)+(?:${TLDS}))(?![\\w-]|\\.\\w)`,
  'gi',
);
const USER_REALM = /(?<![\w.@!-])([A-Za-z][A-Za-z0-9._-]*)@(pam|pve|pbs|ldap|ad|openid)(?![\w.!-])/g;
const HOME_PATH = /(\/(?:home|Users)\/)([A-Za-z0-9._-]+)/g;
const MAC =
  /(?<![0-9A-Fa-f:-])(?:[0-9A-Fa-f]{2}([:-]))(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}(?![0-9A-Fa-f:-])/g;
const IPV6_CANDIDATE =
  /(?<![0-9A-Za-z:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![0-9A-Za-z:])/g;
const IPV4 = /(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d]|\.\d)/g;
const UUID =
  /(?<![0-9A-Fa-f])[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}(?![0-9A-Fa-f])/g;
const SERIAL_FIELD =
  /((?:serial(?:[ _-]?(?:number|no))?|s\/n)["']?\s*[:=]\s*["']?)([A-Za-z0-9][A-Za-z0-9._/+=-]{3,})/gi;
const AGE_KEY = /AGE-SECRET-KEY-(?:PQ-)?1[0-9A-Z]+/g;
const PEM = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

const escapeRegExp = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The forms a value takes in what the bundle collects: as is, in JSON, in a URL, in base64. */
export function encodedForms(value: string): string[] {
  const forms = new Set([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)]);
  const base64 = Buffer.from(value, 'utf8').toString('base64');
  forms.add(base64);
  forms.add(base64.replace(/=+$/, ''));
  forms.add(Buffer.from(value, 'utf8').toString('base64url'));
  return [...forms].filter((form) => form.length >= MIN_KNOWN_LENGTH);
}

function isLoopbackOrUnspecified(ip: string): boolean {
  if (isIPv4(ip)) return ip.startsWith('127.') || ip === '0.0.0.0';
  const lower = ip.toLowerCase();
  return lower === '::1' || lower === '::';
}

export function createAnonymiser(input: AnonymiserInput = {}): Anonymiser {
  const maps = new Map<IdentifierKind, Map<string, string>>();
  const keepUsers = new Set((input.keepUsers ?? ['root']).map((u) => u.toLowerCase()));

  function pseudonym(kind: IdentifierKind, value: string): string {
    // Names are case-insensitive (DNS, MACs, hex); the same host in two spellings is one host.
    const key = kind === 'serial' || kind === 'user' ? value : value.toLowerCase();
    let map = maps.get(kind);
    if (!map) {
      map = new Map();
      maps.set(kind, map);
    }
    let name = map.get(key);
    if (!name) {
      name = `${PREFIX[kind]}-${map.size + 1}`;
      map.set(key, name);
    }
    return name;
  }

  const isPseudonym = (label: string) =>
    new RegExp(`^(?:${Object.values(PREFIX).join('|')})-\\d+$`, 'i').test(label);

  function userPseudonym(user: string): string {
    return keepUsers.has(user.toLowerCase()) || isPseudonym(user) ? user : pseudonym('user', user);
  }

  /** A dotted name: `pve.home.arpa` → `host-1.domain-1`, `corp-example.de` → `domain-2`; public ones stay. */
  function dottedName(name: string): string {
    const lower = name.toLowerCase();
    if (PUBLIC_DOMAINS.some((d) => lower === d || lower.endsWith(`.${d}`))) return name;
    const labels = name.split('.');
    if (labels.some(isPseudonym)) return name;
    const tld = labels.at(-1)!.toLowerCase();
    if (labels.length >= 3 || (labels.length === 2 && PRIVATE_TLDS.has(tld)))
      return `${pseudonym('hostname', labels[0]!)}.${pseudonym('domain', labels.slice(1).join('.'))}`;
    return pseudonym('domain', name);
  }

  function tokenIdPseudonym(user: string, realm: string, name: string): string {
    return `${userPseudonym(user)}@${realm}!${pseudonym('token-id', `${user}@${realm}!${name}`)}`;
  }

  /** What a known identifier is replaced with (dotted host names go through the same path as found ones). */
  function replacementOf(id: KnownIdentifier): string {
    if (id.kind === 'hostname' && id.value.includes('.')) return dottedName(id.value);
    if (id.kind === 'domain') return dottedName(id.value);
    if (id.kind === 'user') return userPseudonym(id.value);
    if (id.kind === 'token-id') {
      const match = /^([^@]+)@([^!]+)!(.+)$/.exec(id.value);
      if (match) return tokenIdPseudonym(match[1]!, match[2]!, match[3]!);
    }
    return pseudonym(id.kind, id.value);
  }

  const secretForms = [...new Set((input.secrets ?? []).filter((s) => s.length >= 4).flatMap(encodedForms))]
    .filter((form) => form.length >= 4)
    .sort((a, b) => b.length - a.length);
  /** Plain words (a node name, a user name) match only as whole words: `pve` is not inside `pvesm`. */
  const isWord = (id: KnownIdentifier) =>
    (id.kind === 'hostname' || id.kind === 'user') && !id.value.includes('.') && !id.value.includes('@');
  const words = (input.known ?? [])
    .filter((id) => isWord(id) && id.value.length >= 2)
    .filter((id) => !(id.kind === 'user' && keepUsers.has(id.value.toLowerCase())))
    .sort((a, b) => b.value.length - a.value.length);
  const exactKnown = (input.known ?? [])
    .filter((id) => id.value.length >= MIN_KNOWN_LENGTH && !isWord(id))
    .flatMap((id) => encodedForms(id.value).map((form) => ({ id, form })))
    .sort((a, b) => b.form.length - a.form.length);

  function anonymise(text: string): AnonymisedText {
    const counts: RedactionCounts = {};
    const count = (kind: RedactionKind, n = 1) => {
      if (n > 0) counts[kind] = (counts[kind] ?? 0) + n;
    };
    let out = text;
    const replaceAll = (needle: string, replacement: string, kind: RedactionKind) => {
      if (!out.includes(needle)) return;
      const parts = out.split(needle);
      count(kind, parts.length - 1);
      out = parts.join(replacement);
    };
    const replacePattern = (
      pattern: RegExp,
      kind: RedactionKind,
      fn: (...m: string[]) => string | undefined,
    ) => {
      out = out.replace(pattern, (...args: unknown[]) => {
        // The callback gets the match, its groups (undefined when unmatched), then the offset (a number).
        const end = args.findIndex((a) => typeof a === 'number');
        const groups = args.slice(0, end).map((a) => (typeof a === 'string' ? a : ''));
        const replaced = fn(...groups);
        if (replaced === undefined || replaced === groups[0]) return groups[0]!;
        count(kind);
        return replaced;
      });
    };

    for (const form of secretForms) replaceAll(form, SECRET_MARK, 'secret');
    replacePattern(PEM, 'pem', () => PEM_MARK);
    replacePattern(AGE_KEY, 'secret', () => SECRET_MARK);
    for (const { prefix, label } of input.paths ?? [])
      if (prefix.length > 1) replaceAll(prefix, label, 'path');
    // An encoded form (JSON-escaped, base64) is replaced by the plain pseudonym: it then decodes to nothing.
    for (const { id, form } of exactKnown) replaceAll(form, replacementOf(id), id.kind);
    replacePattern(TOKEN_ID, 'token-id', (whole, user, realm, name) =>
      isPseudonym(name!) ? whole : tokenIdPseudonym(user!, realm!, name!),
    );
    replacePattern(EMAIL, 'email', (whole, user, domain) => {
      const host = dottedName(domain!);
      return host === domain && keepUsers.has(user!.toLowerCase())
        ? whole
        : `${userPseudonym(user!)}@${host}`;
    });
    replacePattern(USER_REALM, 'user', (_whole, user, realm) => `${userPseudonym(user!)}@${realm}`);
    replacePattern(HOME_PATH, 'user', (_whole, base, user) => `${base}${userPseudonym(user!)}`);
    replacePattern(MAC, 'mac', (whole) => pseudonym('mac', whole!.replaceAll('-', ':')));
    replacePattern(IPV6_CANDIDATE, 'ip', (whole) =>
      isIPv6(whole!) && whole!.includes(':') && !isLoopbackOrUnspecified(whole!)
        ? pseudonym('ip', whole!)
        : undefined,
    );
    replacePattern(IPV4, 'ip', (whole) =>
      isIPv4(whole!) && !isLoopbackOrUnspecified(whole!) ? pseudonym('ip', whole!) : undefined,
    );
    replacePattern(FQDN, 'domain', (whole) => dottedName(whole!));
    replacePattern(UUID, 'uuid', (whole) => pseudonym('uuid', whole!));
    replacePattern(SERIAL_FIELD, 'serial', (_whole, label, value) =>
      isPseudonym(value!) ? undefined : `${label}${pseudonym('serial', value!)}`,
    );
    for (const id of words) {
      const word = new RegExp(
        `(?<![A-Za-z0-9_.@-])${escapeRegExp(id.value)}(?![A-Za-z0-9_!-]|\\.[A-Za-z0-9])`,
        // Case-sensitive: a node named `pve` is not the product name `PVE`.
        'g',
      );
      const replacement = id.kind === 'user' ? userPseudonym(id.value) : pseudonym('hostname', id.value);
      replacePattern(word, id.kind, () => replacement);
      for (const form of encodedForms(id.value).slice(1)) replaceAll(form, replacement, id.kind);
    }
    return { text: out, counts };
  }

  function distinct(): Partial<Record<IdentifierKind, number>> {
    return Object.fromEntries([...maps].map(([kind, map]) => [kind, map.size]));
  }

  return { anonymise, pseudonym, distinct };
}

/** Sums the counts of many texts (the manifest's totals). */
export function addCounts(into: RedactionCounts, more: RedactionCounts): RedactionCounts {
  for (const [kind, n] of Object.entries(more) as [RedactionKind, number][])
    into[kind] = (into[kind] ?? 0) + n;
  return into;
}
