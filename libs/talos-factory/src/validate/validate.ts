import { readFile } from 'node:fs/promises';
import type { ErrorObject } from 'ajv';
import { LineCounter, parseAllDocuments } from 'yaml';
import { coerceLikeTalos, pointerChild, type ReadDocument, readYamlDocument } from './document';
import { documentDefinition, documentKinds, machineConfigSchema } from './schemas';

/** One problem in a machine-config file, in the shape every `validate` target prints. */
export interface MachineConfigFinding {
  file: string;
  line?: number;
  /** Readable location, e.g. `machine.sysctls["net.core.bpf_jit_harden"]` (document index prefixed for multi-doc files). */
  path: string;
  /** Stable rule id: a JSON Schema keyword (`additionalProperties`, `type`, `enum`, ...) or `yaml-syntax`, `unknown-kind`, `timestamp`, `json6902`. */
  rule: string;
  message: string;
}

export interface ValidateOptions {
  file?: string;
  /** 0-based index of the document in its file (used in `path` when the file has several). */
  documentIndex?: number;
  read?: Omit<ReadDocument, 'value'>;
}

/** `/machine/sysctls/net.core.x` → `machine.sysctls["net.core.x"]` */
export function readablePath(pointer: string): string {
  if (pointer === '') return '(document)';
  const parts = pointer
    .slice(1)
    .split('/')
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
  return parts
    .map((p, i) => {
      if (/^\d+$/.test(p)) return `[${p}]`;
      if (/^[A-Za-z_$][\w$-]*$/.test(p)) return i === 0 ? p : `.${p}`;
      return `[${JSON.stringify(p)}]`;
    })
    .join('');
}

function describe(error: ErrorObject): { pointer: string; message: string } {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return {
        pointer: pointerChild(error.instancePath, String(params.additionalProperty)),
        message: `unknown field "${String(params.additionalProperty)}"`,
      };
    case 'required':
      return {
        pointer: error.instancePath,
        message: `missing required field "${String(params.missingProperty)}"`,
      };
    case 'enum':
      return {
        pointer: error.instancePath,
        message: `must be one of: ${((params.allowedValues as unknown[]) ?? []).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'type':
      return { pointer: error.instancePath, message: `must be ${String(params.type)}` };
    default:
      return { pointer: error.instancePath, message: error.message ?? error.keyword };
  }
}

/** Ajv reports every failed branch of a oneOf/anyOf; keep the concrete errors unless nothing else is left. */
function relevantErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  const concrete = errors.filter((e) => !['oneOf', 'anyOf', 'if', 'not'].includes(e.keyword));
  const list = concrete.length > 0 ? concrete : [...errors];
  const seen = new Set<string>();
  return list.filter((e) => {
    const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function isJson6902(value: unknown): value is unknown[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((op) => typeof op === 'object' && op !== null && 'op' in op)
  );
}

const JSON_PATCH_OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

function checkJson6902(ops: unknown[], emit: (pointer: string, rule: string, message: string) => void): void {
  ops.forEach((op, i) => {
    const o = op as Record<string, unknown>;
    const at = pointerChild('', i);
    if (!JSON_PATCH_OPS.has(String(o.op)))
      emit(at, 'json6902', `op must be one of ${[...JSON_PATCH_OPS].join(', ')}`);
    if (typeof o.path !== 'string' || !o.path.startsWith('/'))
      emit(at, 'json6902', 'path must be a JSON pointer starting with /');
    if (['add', 'replace', 'test'].includes(String(o.op)) && !('value' in o))
      emit(at, 'json6902', `"${String(o.op)}" needs a value`);
  });
}

/**
 * Validates one machine-config document (a v1alpha1 config or patch, or a multi-doc kind such as
 * KernelModuleConfig) against the schema of `talosVersion`, reading values the way Talos does (see
 * coerceLikeTalos). JSON6902 patches (a list of ops) are checked for shape only: they cannot be validated
 * without the config they apply to.
 */
export function validateMachineConfigDocument(
  doc: unknown,
  talosVersion: string,
  options: ValidateOptions = {},
): MachineConfigFinding[] {
  const schema = machineConfigSchema(talosVersion);
  const file = options.file ?? '<document>';
  const read = options.read ?? { lines: new Map(), sources: new Map(), timestamps: new Set<string>() };
  const prefix =
    options.documentIndex !== undefined && options.documentIndex > 0 ? `#${options.documentIndex + 1} ` : '';
  const findings: MachineConfigFinding[] = [];
  const emit = (pointer: string, rule: string, message: string) => {
    const line = read.lines.get(pointer) ?? read.lines.get(pointer.replace(/\/[^/]*$/, ''));
    findings.push({
      file,
      ...(line !== undefined ? { line } : {}),
      path: `${prefix}${readablePath(pointer)}`,
      rule,
      message,
    });
  };

  if (doc === null || doc === undefined) return findings;
  if (isJson6902(doc)) {
    checkJson6902(doc, emit);
    return findings;
  }
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    emit('', 'type', 'a machine-config document must be a mapping (or a JSON6902 list of operations)');
    return findings;
  }
  const record = doc as Record<string, unknown>;
  const kind = typeof record.kind === 'string' ? record.kind : undefined;
  const apiVersion = typeof record.apiVersion === 'string' ? record.apiVersion : undefined;
  const def = documentDefinition(schema, kind, apiVersion);
  if (!def) {
    emit(
      '/kind',
      'unknown-kind',
      `unknown document kind "${kind}"${apiVersion ? ` (apiVersion ${apiVersion})` : ''} for Talos v${schema.line}; known kinds: ${documentKinds(schema).join(', ')}`,
    );
    return findings;
  }
  const coerced = coerceLikeTalos(schema, def, {
    value: doc,
    sources: read.sources,
    timestamps: read.timestamps,
  });
  for (const issue of coerced.issues) emit(issue.pointer, issue.rule, issue.message);
  const validate = schema.validatorFor(def);
  if (!validate(coerced.value)) {
    for (const error of relevantErrors(validate.errors ?? [])) {
      const { pointer, message } = describe(error);
      emit(pointer, error.keyword, message);
    }
  }
  return findings;
}

/** Validates every document of a (multi-document) YAML text. */
export function validateMachineConfigText(
  text: string,
  talosVersion: string,
  file = '<machine-config>',
): MachineConfigFinding[] {
  machineConfigSchema(talosVersion); // fail early on an unsupported version
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, version: '1.2' });
  const list = Array.isArray(docs) ? docs : [];
  const findings: MachineConfigFinding[] = [];
  list.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      for (const error of doc.errors) {
        findings.push({
          file,
          ...(error.linePos?.[0]?.line !== undefined ? { line: error.linePos[0].line } : {}),
          path: index > 0 ? `#${index + 1}` : '(document)',
          rule: 'yaml-syntax',
          message: error.message.split('\n')[0] ?? error.message,
        });
      }
      return;
    }
    const read = readYamlDocument(doc, lineCounter);
    findings.push(
      ...validateMachineConfigDocument(read.value, talosVersion, { file, documentIndex: index, read }),
    );
  });
  return findings;
}

export async function validatePatchFile(path: string, talosVersion: string): Promise<MachineConfigFinding[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return [
      { file: path, path: '(file)', rule: 'read', message: `cannot read: ${(error as Error).message}` },
    ];
  }
  return validateMachineConfigText(text, talosVersion, path);
}

export function formatFinding(f: MachineConfigFinding): string {
  return `${f.file}${f.line !== undefined ? `:${f.line}` : ''}: ${f.path}: ${f.message} [${f.rule}]`;
}
