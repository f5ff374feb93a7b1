import { readFile } from 'node:fs/promises';
import { InfraError } from '@infra/core';
import type { TalosFactoryErrorCode } from '../error-codes';
import { canonicalSchematicYaml, schematicIdOf } from './canonical';
import { decodeSchematicText, schematicDecodeError } from './decode';
import { type Schematic, SchematicSchema } from './model';

export interface SchematicOptions {
  /**
   * Sort official extensions by byte order, as the factory's web UI does. Off by default: the API and the
   * Terraform provider hash the list in the given order, so sorting changes the ID.
   */
  sortExtensions?: boolean | undefined;
}

export interface ResolvedSchematic {
  schematic: Schematic;
  /** The bytes the factory hashes. */
  canonical: string;
  id: string;
  warnings: string[];
}

/** Byte-wise comparison of the UTF-8 encodings (Go's `slices.Sort` on strings). */
const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

export function duplicateExtensions(extensions: readonly string[]): string[] {
  const seen = new Set<string>();
  const dups = new Set<string>();
  for (const e of extensions) (seen.has(e) ? dups : seen).add(e);
  return [...dups];
}

/** Parses schematic YAML or JSON text; errors name `source`, the line and the field. */
export function parseSchematic(text: string, source = '<schematic>'): Schematic {
  const { value, issues } = decodeSchematicText(text);
  if (issues.length > 0) throw schematicDecodeError(source, issues);
  return validateSchematic(value, source);
}

/** Validates an in-memory schematic object (no Go-style coercion: types must already be right). */
export function validateSchematic(value: unknown, source = '<schematic>'): Schematic {
  const result = SchematicSchema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  throw schematicDecodeError(source, issues);
}

/** Canonical YAML + offline ID, optionally with UI-style sorted extensions, plus warnings (duplicates). */
export function resolveSchematic(schematic: Schematic, options: SchematicOptions = {}): ResolvedSchematic {
  const warnings: string[] = [];
  const extensions = schematic.customization.systemExtensions?.officialExtensions ?? [];
  const dups = duplicateExtensions(extensions);
  if (dups.length > 0) {
    warnings.push(
      `duplicate official extensions ${dups.join(', ')}: the factory keeps duplicates and they change the schematic ID`,
    );
  }
  let effective = schematic;
  if (options.sortExtensions && extensions.length > 0) {
    effective = {
      ...schematic,
      customization: {
        ...schematic.customization,
        systemExtensions: { officialExtensions: [...extensions].sort(byteOrder) },
      },
    };
  }
  const canonical = canonicalSchematicYaml(effective);
  return { schematic: effective, canonical, id: schematicIdOf(canonical), warnings };
}

/** Reads a schematic file (YAML or JSON) and computes its canonical form and ID offline. */
export async function loadSchematicFile(
  path: string,
  options: SchematicOptions = {},
): Promise<ResolvedSchematic> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InfraError<TalosFactoryErrorCode>('SCHEMATIC_NOT_FOUND', `cannot read schematic file ${path}`, {
      hint: 'check the path (talos.schematic in infra.config.yaml is relative to the repository root)',
      cause: error,
    });
  }
  return resolveSchematic(parseSchematic(text, path), options);
}

/** Convenience: the offline ID of schematic text. */
export function schematicIdFromText(text: string, options: SchematicOptions = {}): string {
  return resolveSchematic(parseSchematic(text), options).id;
}
