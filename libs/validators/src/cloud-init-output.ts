/**
 * Parses `cloud-init schema --config-file FILE` output. Quirks (cloud-init 22.4, Debian 12):
 * - valid: stdout `Valid cloud-config: FILE`, exit 0, possibly after `Cloud config schema deprecations: ...`;
 * - invalid: exit 1, stderr `Error:\nCloud config schema errors: <path>: <msg>, <path>: <msg>` on one line;
 * - header/YAML problems come as `format-l<line>.c<col>: ...` entries in the same list;
 * - stdout carries an empty `Cloud config schema deprecations: ` line even on failure;
 * - `--annotate` exits 0 even with errors, so it is never used for the verdict.
 */
export interface CloudInitProblem {
  severity: 'error' | 'warning';
  /** Dotted schema path (`users.0.name`) when the problem is about a key. */
  path?: string;
  line?: number;
  column?: number;
  message: string;
}

/** Splits "a: x, b.0: y" at the commas that start a new "<path>: " entry. */
function splitEntries(list: string): string[] {
  return list
    .split(/, (?=[\w-]+(?:\.[\w-]+)*: )/)
    .map((entry) => entry.trim())
    .filter(Boolean);
}

function toProblem(entry: string, severity: CloudInitProblem['severity']): CloudInitProblem {
  const format = /^format-l(\d+)\.c(\d+): ([\s\S]*)$/.exec(entry);
  if (format)
    return { severity, line: Number(format[1]), column: Number(format[2]), message: format[3]!.trim() };
  const keyed = /^([\w-]+(?:\.[\w-]+)*): ([\s\S]*)$/.exec(entry);
  if (keyed) return { severity, path: keyed[1]!, message: `${keyed[1]}: ${keyed[2]!.trim()}` };
  return { severity, message: entry };
}

export function parseCloudInitSchema(stdout: string, stderr: string): CloudInitProblem[] {
  const text = `${stdout}\n${stderr}`.replace(/\r\n/g, '\n');
  const problems: CloudInitProblem[] = [];
  const errors = /schema errors: ([\s\S]*?)(?:\n(?=Cloud config schema |Valid cloud-config|Error:)|$)/.exec(
    text,
  );
  if (errors?.[1]?.trim()) {
    // A YAML error message spans several lines; keep it as one entry.
    problems.push(
      ...splitEntries(errors[1].replace(/\n\s*/g, ' ')).map((entry) => toProblem(entry, 'error')),
    );
  }
  const deprecations = /schema deprecations: ([^\n]*)/.exec(text);
  if (deprecations?.[1]?.trim()) {
    problems.push(...splitEntries(deprecations[1]).map((entry) => toProblem(entry, 'warning')));
  }
  return problems;
}
