import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { SopsFormat } from './formats';

/**
 * What an encrypted file says about itself in its `sops` section (YAML/JSON) or its `sops_*` lines (dotenv).
 * Read without any key: used to name the recipients a file is encrypted for, to compare them with
 * `.sops.yaml`, and to tell an encrypted file from a plaintext one.
 */
export interface SopsMetadata {
  /** Every age recipient that can unwrap the data key, in file order (top level and key groups). */
  recipients: string[];
  /** The wrapped data key per recipient; changes on every `rotate`. */
  wrappedKeys: { recipient: string; enc: string }[];
  /** Non-age master keys present (pgp, kms, ...): check reports them, the project only manages age. */
  otherKeyTypes: string[];
  lastModified: string | undefined;
  mac: string | undefined;
  version: string | undefined;
  /** Which leaves sops left in plaintext on purpose. */
  selection: LeafSelection;
}

export interface LeafSelection {
  unencryptedSuffix?: string | undefined;
  encryptedSuffix?: string | undefined;
  unencryptedRegex?: string | undefined;
  encryptedRegex?: string | undefined;
  unencryptedCommentRegex?: string | undefined;
  encryptedCommentRegex?: string | undefined;
}

const ageEntry = z.object({ recipient: z.string(), enc: z.string().default('') }).loose();
const keyGroup = z.object({ age: z.array(ageEntry).nullish() }).loose();

const sopsSection = z
  .object({
    age: z.array(ageEntry).nullish(),
    key_groups: z.array(keyGroup).nullish(),
    lastmodified: z.string().optional(),
    mac: z.string().optional(),
    version: z.string().optional(),
    unencrypted_suffix: z.string().optional(),
    encrypted_suffix: z.string().optional(),
    unencrypted_regex: z.string().optional(),
    encrypted_regex: z.string().optional(),
    unencrypted_comment_regex: z.string().optional(),
    encrypted_comment_regex: z.string().optional(),
  })
  .loose();

const OTHER_KEY_TYPES = ['pgp', 'kms', 'gcp_kms', 'azure_kv', 'hc_vault', 'hckms'] as const;

/** Returns the file's sops metadata, or undefined when the text is not a sops-encrypted document. */
export function readSopsMetadata(text: string, format: SopsFormat): SopsMetadata | undefined {
  const section = format === 'dotenv' ? dotenvSopsSection(text) : structuredSopsSection(text);
  if (section === undefined) return undefined;
  const parsed = sopsSection.safeParse(section);
  if (!parsed.success) return undefined;
  const data = parsed.data;
  // A document that merely has a "sops" key is not encrypted; real metadata always carries a MAC.
  if (data.mac === undefined && data.lastmodified === undefined) return undefined;
  const entries = [...(data.age ?? []), ...(data.key_groups ?? []).flatMap((group) => group.age ?? [])];
  const otherKeyTypes = OTHER_KEY_TYPES.filter((type) => {
    const inTop = nonEmptyList(data[type]);
    const inGroups = (data.key_groups ?? []).some((group) => nonEmptyList(group[type]));
    return inTop || inGroups;
  });
  return {
    recipients: [...new Set(entries.map((entry) => entry.recipient.trim()))],
    wrappedKeys: entries.map((entry) => ({ recipient: entry.recipient.trim(), enc: entry.enc })),
    otherKeyTypes,
    lastModified: data.lastmodified,
    mac: data.mac,
    version: data.version,
    selection: {
      unencryptedSuffix: data.unencrypted_suffix,
      encryptedSuffix: data.encrypted_suffix,
      unencryptedRegex: data.unencrypted_regex,
      encryptedRegex: data.encrypted_regex,
      unencryptedCommentRegex: data.unencrypted_comment_regex,
      encryptedCommentRegex: data.encrypted_comment_regex,
    },
  };
}

function nonEmptyList(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}

function structuredSopsSection(text: string): unknown {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch {
    return undefined;
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) return undefined;
  return (document as Record<string, unknown>).sops;
}

/**
 * Dotenv files carry the metadata flattened into `sops_<path>` lines, where `__list_N` is an array index
 * and `__map_K` an object key (e.g. `sops_age__list_0__map_recipient`), and newlines are escaped as `\n`.
 */
function dotenvSopsSection(text: string): unknown {
  const section: Record<string, unknown> = {};
  let found = false;
  for (const line of text.split('\n')) {
    const match = /^sops_([^=]+)=(.*)$/.exec(line);
    if (!match) continue;
    found = true;
    const [head, ...rest] = match[1]!.split('__');
    setPath(section, [head!, ...rest.map(segmentKey)], match[2]!.replace(/\\n/g, '\n'));
  }
  return found ? section : undefined;
}

function segmentKey(segment: string): string | number {
  const list = /^list_(\d+)$/.exec(segment);
  if (list) return Number(list[1]);
  return segment.startsWith('map_') ? segment.slice(4) : segment;
}

function setPath(
  target: Record<string, unknown> | unknown[],
  path: (string | number)[],
  value: string,
): void {
  let node: Record<string | number, unknown> = target as Record<string | number, unknown>;
  path.forEach((key, index) => {
    if (index === path.length - 1) {
      node[key] = value;
      return;
    }
    const next = path[index + 1];
    if (node[key] === undefined || typeof node[key] !== 'object')
      node[key] = typeof next === 'number' ? [] : {};
    node = node[key] as Record<string | number, unknown>;
  });
}

/** The shape sops gives every encrypted leaf. */
export const ENCRYPTED_VALUE =
  /^ENC\[AES256_GCM,data:[A-Za-z0-9+/=]*,iv:[A-Za-z0-9+/=]+,tag:[A-Za-z0-9+/=]+,type:[a-z]+\]$/;

export function isEncryptedValue(value: string): boolean {
  return ENCRYPTED_VALUE.test(value);
}
