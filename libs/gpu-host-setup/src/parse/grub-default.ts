import { splitCmdline } from './kernel-cmdline';

/**
 * `/etc/default/grub` is a shell fragment. The two kernel-cmdline variables are `GRUB_CMDLINE_LINUX` (every
 * entry) and `GRUB_CMDLINE_LINUX_DEFAULT` (normal entries, where Proxmox says parameters belong). When a
 * variable is assigned several times the last assignment wins, as in the shell.
 */
export interface GrubAssignment {
  /** 0-based line index in the file. */
  line: number;
  value: string;
  quote: '"' | "'" | '';
  /** What follows the value on the line (a trailing comment), kept when the line is rewritten. */
  rest: string;
}

const ASSIGNMENT = /^\s*(?:export\s+)?(GRUB_CMDLINE_LINUX(?:_DEFAULT)?)=(.*)$/;

function parseValue(raw: string): Omit<GrubAssignment, 'line'> | undefined {
  const text = raw.trimEnd();
  for (const quote of ['"', "'"] as const) {
    if (text.startsWith(quote)) {
      const end = text.indexOf(quote, 1);
      if (end < 0) return undefined; // multi-line or broken quoting: not something to edit automatically
      const rest = text.slice(end + 1);
      if (rest.trim() !== '' && !/^\s+#/.test(rest)) return undefined;
      return { value: text.slice(1, end), quote, rest };
    }
  }
  const match = /^(\S*)(\s+#.*)?$/.exec(text);
  if (!match) return undefined;
  return { value: match[1]!, quote: '', rest: match[2] ?? '' };
}

export function findGrubAssignment(
  content: string,
  variable: 'GRUB_CMDLINE_LINUX' | 'GRUB_CMDLINE_LINUX_DEFAULT',
): GrubAssignment | 'unparseable' | undefined {
  const lines = content.split('\n');
  let found: GrubAssignment | 'unparseable' | undefined;
  lines.forEach((line, index) => {
    const match = ASSIGNMENT.exec(line);
    if (!match || match[1] !== variable) return;
    const parsed = parseValue(match[2]!);
    found = parsed ? { line: index, ...parsed } : 'unparseable';
  });
  return found;
}

/** The parameters GRUB passes to normal boot entries: LINUX then LINUX_DEFAULT (shell variables left as-is). */
export function grubCmdlineTokens(content: string): string[] {
  const tokens: string[] = [];
  for (const variable of ['GRUB_CMDLINE_LINUX', 'GRUB_CMDLINE_LINUX_DEFAULT'] as const) {
    const assignment = findGrubAssignment(content, variable);
    if (assignment && assignment !== 'unparseable') tokens.push(...splitCmdline(assignment.value));
  }
  return tokens;
}

/**
 * Returns the file with `params` appended to `GRUB_CMDLINE_LINUX_DEFAULT` (only that line changes). When the
 * variable is missing, a new assignment is appended at the end. Throws a plain Error when the assignment
 * cannot be edited safely; the planner turns that into an InfraError with the file name.
 */
export function appendGrubDefaultParams(content: string, params: readonly string[]): string {
  if (params.length === 0) return content;
  const assignment = findGrubAssignment(content, 'GRUB_CMDLINE_LINUX_DEFAULT');
  if (assignment === 'unparseable')
    throw new Error('GRUB_CMDLINE_LINUX_DEFAULT is not a simple one-line assignment');
  if (assignment === undefined) {
    const base = content === '' || content.endsWith('\n') ? content : `${content}\n`;
    return `${base}GRUB_CMDLINE_LINUX_DEFAULT="${params.join(' ')}"\n`;
  }
  const lines = content.split('\n');
  const value = [assignment.value.trim(), ...params].filter(Boolean).join(' ');
  const original = lines[assignment.line]!;
  const prefix = original.slice(0, original.indexOf('=') + 1);
  const quote = assignment.quote === '' ? '"' : assignment.quote;
  lines[assignment.line] = `${prefix}${quote}${value}${quote}${assignment.rest}`;
  return lines.join('\n');
}
