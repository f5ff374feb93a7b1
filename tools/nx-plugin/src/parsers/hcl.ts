import { type HclToken, tokenizeHcl } from './hcl-lexer';

/** An attribute `name = <expression>`; the expression is kept as tokens (we only ever need its literals). */
export interface HclAttribute {
  name: string;
  line: number;
  expression: HclToken[];
}

/** A block `type "label" ... { body }`. The file itself is the root block (type ''). */
export interface HclBlock {
  type: string;
  labels: string[];
  line: number;
  attributes: HclAttribute[];
  blocks: HclBlock[];
}

export interface StringLiteral {
  value: string;
  line: number;
}

/** Parses HCL into blocks and attributes, tolerating malformed input (it skips what it cannot read). */
export function parseHcl(text: string): HclBlock {
  const tokens = tokenizeHcl(text);
  const root: HclBlock = { type: '', labels: [], line: 1, attributes: [], blocks: [] };
  _parseBody(tokens, 0, root);
  return root;
}

/** The value of an expression that is exactly one quoted string (`source = "../x"`), else undefined. */
export function literalString(expression: readonly HclToken[]): string | undefined {
  const [only, ...rest] = expression;
  return only?.kind === 'string' && rest.length === 0 ? only.value : undefined;
}

/**
 * Like literalString, but also sees through `abspath("...")`, which names the same path (made absolute by
 * the tool at run time; we resolve against the workspace anyway).
 */
export function pathString(expression: readonly HclToken[]): string | undefined {
  const literal = literalString(expression);
  if (literal !== undefined) return literal;
  const [fn, open, arg, close, ...rest] = expression;
  const isCall =
    fn?.kind === 'ident' && fn.value === 'abspath' && open?.kind === 'punct' && open.value === '(';
  const closed = close?.kind === 'punct' && close.value === ')' && rest.length === 0;
  return isCall && closed && arg?.kind === 'string' ? arg.value : undefined;
}

/** Every quoted string in every attribute expression, at any depth (lists, function arguments, objects). */
export function allStringLiterals(block: HclBlock): StringLiteral[] {
  const out: StringLiteral[] = [];
  const visit = (b: HclBlock) => {
    for (const attribute of b.attributes) {
      for (const token of attribute.expression) {
        if (token.kind === 'string') out.push({ value: token.value, line: token.line });
      }
    }
    b.blocks.forEach(visit);
  };
  visit(block);
  return out;
}

/** `module "name" { source = "..." }` blocks at the top level, with their literal sources. */
export function moduleSources(root: HclBlock): Array<{ name: string; source: string; line: number }> {
  return root.blocks.flatMap((block) => {
    if (block.type !== 'module') return [];
    const attribute = block.attributes.find((a) => a.name === 'source');
    const source = attribute && literalString(attribute.expression);
    return source === undefined ? [] : [{ name: block.labels[0] ?? '', source, line: attribute!.line }];
  });
}

/**
 * Simple string values that other strings may interpolate: `locals { x = "..." }` as `local.x`, and
 * `variable "x" { default = "..." }` as `var.x` (a plain string or `abspath("...")`).
 */
export function stringSymbols(root: HclBlock): Record<string, string> {
  const symbols: Record<string, string> = {};
  for (const block of root.blocks) {
    if (block.type === 'locals') {
      for (const attribute of block.attributes) {
        const value = pathString(attribute.expression);
        if (value !== undefined) symbols[`local.${attribute.name}`] = value;
      }
    } else if (block.type === 'variable' && block.labels[0]) {
      const attribute = block.attributes.find((a) => a.name === 'default');
      const value = attribute && pathString(attribute.expression);
      if (value !== undefined) symbols[`var.${block.labels[0]}`] = value;
    }
  }
  return symbols;
}

// --- internal ---

const OPENERS: Record<string, string> = { '{': '}', '[': ']', '(': ')' };

/** Parses body items from `start` into `block` until a `}` at depth 0 (returned index is past it) or EOF. */
function _parseBody(tokens: readonly HclToken[], start: number, block: HclBlock): number {
  let i = start;
  while (i < tokens.length) {
    const token = tokens[i]!;
    if (token.kind === 'newline') {
      i++;
      continue;
    }
    if (token.kind === 'punct' && token.value === '}') return i + 1;
    if (token.kind !== 'ident') {
      i = _skipLine(tokens, i);
      continue;
    }
    const next = tokens[i + 1];
    if (next?.kind === 'punct' && next.value === '=') {
      const end = _expressionEnd(tokens, i + 2);
      block.attributes.push({ name: token.value, line: token.line, expression: tokens.slice(i + 2, end) });
      i = end;
      continue;
    }
    const labels: string[] = [];
    let j = i + 1;
    while (tokens[j]?.kind === 'string' || tokens[j]?.kind === 'ident') {
      labels.push((tokens[j] as { value: string }).value);
      j++;
    }
    const brace = tokens[j];
    if (brace?.kind === 'punct' && brace.value === '{') {
      const child: HclBlock = { type: token.value, labels, line: token.line, attributes: [], blocks: [] };
      block.blocks.push(child);
      i = _parseBody(tokens, j + 1, child);
    } else {
      i = _skipLine(tokens, i);
    }
  }
  return i;
}

/**
 * An attribute's expression ends at a newline or a closing `}` outside any brackets; brackets may span lines
 * (multi-line lists, objects and function calls).
 */
function _expressionEnd(tokens: readonly HclToken[], start: number): number {
  const stack: string[] = [];
  let i = start;
  for (; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.kind === 'newline' && stack.length === 0) return i;
    if (token.kind !== 'punct') continue;
    const closer = OPENERS[token.value];
    if (closer) stack.push(closer);
    else if (token.value === stack.at(-1)) stack.pop();
    else if (token.value === '}' && stack.length === 0) return i;
  }
  return i;
}

function _skipLine(tokens: readonly HclToken[], start: number): number {
  let i = start + 1;
  while (i < tokens.length && tokens[i]!.kind !== 'newline') i++;
  return i;
}
