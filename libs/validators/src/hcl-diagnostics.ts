import { stripVTControlCharacters } from 'node:util';
/**
 * Parses the human diagnostics HashiCorp-style tools print (packer validate/init, tofu init) when they have no
 * JSON mode:
 *
 *   Error: Unsupported argument
 *
 *     on debian.pkr.hcl line 30, in source "proxmox-clone" "debian":
 *     30:   foo = 1
 *
 *   An argument named "foo" is not expected here.
 */
export interface HclDiagnostic {
  severity: 'error' | 'warning';
  summary: string;
  detail: string;
  file?: string;
  line?: number;
}

const HEADER = /^(?:[│╷╵]\s*)?(Error|Warning): (.*)$/;
const LOCATION = /^\s*on (.+?) line (\d+)(?:,|:)/;
const SNIPPET = /^\s*\d+:\s/;

export function parseHclDiagnostics(output: string): HclDiagnostic[] {
  // Strip ANSI colours and the box-drawing gutter newer versions draw around each diagnostic.
  const lines = stripVTControlCharacters(output)
    .split('\n')
    .map((line) => line.replace(/^[│╷╵] ?/, ''));
  const diagnostics: HclDiagnostic[] = [];
  let current: (HclDiagnostic & { detailLines: string[] }) | undefined;
  const flush = () => {
    if (!current) return;
    const { detailLines, ...rest } = current;
    // Packer plugins report Prepare() failures as "N error(s) occurred:" plus one "* problem" line each:
    // split them, so every problem is its own finding.
    const bullets = detailLines.filter((line) => line.startsWith('* '));
    if (/^\d+ errors? occurred:?$|^\d+ error\(s\) occurred:?$/.test(rest.summary) && bullets.length > 0) {
      for (const bullet of bullets)
        diagnostics.push({ ...rest, summary: bullet.slice(2).trim(), detail: '' });
    } else {
      diagnostics.push({ ...rest, detail: detailLines.join(' ').replace(/\s+/g, ' ').trim() });
    }
    current = undefined;
  };
  for (const line of lines) {
    const header = HEADER.exec(line);
    if (header) {
      flush();
      current = {
        severity: header[1] === 'Warning' ? 'warning' : 'error',
        summary: header[2]!.trim(),
        detail: '',
        detailLines: [],
      };
      continue;
    }
    if (!current) continue;
    const location = LOCATION.exec(line);
    if (location && current.file === undefined) {
      current.file = location[1]!;
      current.line = Number(location[2]);
      continue;
    }
    const trimmed = line.trim();
    if (
      !trimmed ||
      SNIPPET.test(line) ||
      trimmed === '(source code not available)' ||
      /^[├─╷╵]+/.test(trimmed)
    )
      continue;
    // Underline markers under a snippet ("   ^^^^") carry no information.
    if (/^[\^~\s]+$/.test(trimmed)) continue;
    current.detailLines.push(trimmed);
  }
  flush();
  return diagnostics.map(refineLocation);
}

/**
 * Packer wraps errors of built-in components as `Failed preparing provisioner-block "shell" "": debian.pkr.hcl:99,5-17:
 * Unsupported argument; ...` located at the block start; the inner `file:line,col-col:` is the exact spot.
 */
function refineLocation(diagnostic: HclDiagnostic): HclDiagnostic {
  const text = diagnostic.detail ? `${diagnostic.summary}: ${diagnostic.detail}` : diagnostic.summary;
  const inner = /^(.*?):\s*([\w./-]+\.(?:pkr\.hcl|tf|hcl)):(\d+),(\d+)-[\d,]+:\s*(.*)$/s.exec(text);
  if (!inner) return diagnostic;
  const [, context, file, line, , rest] = inner;
  return {
    severity: diagnostic.severity,
    summary: `${rest!.trim()} (${context!.trim()})`,
    detail: '',
    file: file!,
    line: Number(line),
  };
}

/** "Summary: detail" without repeating the summary when the detail already says it. */
export function diagnosticMessage(diagnostic: Pick<HclDiagnostic, 'summary' | 'detail'>): string {
  if (!diagnostic.detail || diagnostic.detail === diagnostic.summary) return diagnostic.summary;
  return `${diagnostic.summary}: ${diagnostic.detail}`;
}
