// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these are HCL interpolations, not JS templates
import { describe, expect, it } from 'vitest';
import { allStringLiterals, moduleSources, parseHcl, pathString, stringSymbols } from './hcl';
import { tokenizeHcl } from './hcl-lexer';

describe('tokenizeHcl', () => {
  it('drops the three comment styles but keeps comment markers inside strings', () => {
    const strings = tokenizeHcl(
      ['# a "hash" comment', '// a "slash" comment', '/* a "block"', 'comment */ x = "a # b // c"'].join(
        '\n',
      ),
    ).filter((t) => t.kind === 'string');
    expect(strings).toEqual([{ kind: 'string', value: 'a # b // c', line: 4 }]);
  });

  it('keeps interpolations, including nested quotes, verbatim in one string token', () => {
    const [, , value] = tokenizeHcl('x = "${var.a == "b" ? "c" : "d"}/e"');
    expect(value).toEqual({ kind: 'string', value: '${var.a == "b" ? "c" : "d"}/e', line: 1 });
  });

  it('reads escapes and the literal $${ escape', () => {
    const [, , value] = tokenizeHcl('x = "a\\"b $${not} \\\\"');
    expect(value).toMatchObject({ value: 'a"b ${not} \\' });
  });

  it('reads heredocs (plain and indented) as one token and counts their lines', () => {
    const tokens = tokenizeHcl(
      ['a = <<EOF', '# not a comment', 'EOF', 'b = <<-EOT', '  x', '  EOT', 'c = "after"'].join('\n'),
    );
    expect(tokens.filter((t) => t.kind === 'heredoc').map((t) => ('value' in t ? t.value : ''))).toEqual([
      '# not a comment\n',
      '  x\n',
    ]);
    expect(tokens.find((t) => t.kind === 'string')).toEqual({ kind: 'string', value: 'after', line: 7 });
  });

  it('survives malformed input: an unterminated string ends at its line', () => {
    const strings = tokenizeHcl('a = "open\nb = "closed"\nc = <<EOF\nnever closed').filter(
      (t) => t.kind === 'string',
    );
    expect(strings.map((t) => ('value' in t ? t.value : ''))).toEqual(['open', 'closed']);
  });
});

describe('parseHcl', () => {
  const source = [
    'locals {',
    '  repo = abspath("${path.root}/../..")',
    '  name = "debian"',
    '  list = ["not", "a symbol"]',
    '}',
    'variable "dir" {',
    '  type    = string',
    '  default = "${local.repo}/files"',
    '}',
    'variable "count" {',
    '  default = 3',
    '}',
    'module "vm" {',
    '  source = "../../modules/vm"',
    '  tags   = { a = "b" }',
    '}',
    'module "remote" {',
    '  source  = "bpg/proxmox/x"',
    '  version = "1.0"',
    '}',
    'module "computed" {',
    '  source = "${local.repo}/m"',
    '}',
    'build {',
    '  provisioner "shell-local" {',
    '    inline = [',
    '      "echo ${path.root}",',
    '      "make",',
    '    ]',
    '  }',
    '  post-processor "manifest" { output = "m.json" }',
    '}',
  ].join('\n');
  const root = parseHcl(source);

  it('finds top-level module sources that are literal strings', () => {
    expect(moduleSources(root)).toEqual([
      { name: 'vm', source: '../../modules/vm', line: 14 },
      { name: 'remote', source: 'bpg/proxmox/x', line: 18 },
      { name: 'computed', source: '${local.repo}/m', line: 22 },
    ]);
  });

  it('collects locals and variable defaults that are strings (or abspath of one)', () => {
    expect(stringSymbols(root)).toEqual({
      'local.repo': '${path.root}/../..',
      'local.name': 'debian',
      'var.dir': '${local.repo}/files',
    });
  });

  it('collects string literals at any depth, including multi-line lists and one-line blocks', () => {
    const values = allStringLiterals(root).map((s) => s.value);
    expect(values).toContain('echo ${path.root}');
    expect(values).toContain('make');
    expect(values).toContain('m.json');
    expect(values).toContain('b');
    expect(allStringLiterals(root).find((s) => s.value === 'make')?.line).toBe(28);
  });

  it('nests blocks with their labels', () => {
    const build = root.blocks.find((b) => b.type === 'build')!;
    expect(build.blocks.map((b) => [b.type, b.labels])).toEqual([
      ['provisioner', ['shell-local']],
      ['post-processor', ['manifest']],
    ]);
  });

  it('sees through abspath() only', () => {
    const expression = (text: string) => parseHcl(`x = ${text}`).attributes[0]!.expression;
    expect(pathString(expression('abspath("a/b")'))).toBe('a/b');
    expect(pathString(expression('"a/b"'))).toBe('a/b');
    expect(pathString(expression('upper("a/b")'))).toBeUndefined();
    expect(pathString(expression('"a" + "b"'))).toBeUndefined();
  });
});
