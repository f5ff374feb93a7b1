/**
 * Regenerates ../src/schematic/oracle-vectors.json by running the cases through the Go oracle (needs `go` on
 * PATH and the Go module proxy for go.yaml.in/yaml/v4). Run: pnpm tsx libs/talos-factory/oracle/generate.ts
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomCases, staticCases } from './cases';

const here = dirname(fileURLToPath(import.meta.url));
const cases = [...staticCases(), ...randomCases(400)];
const stdin = cases.map((c) => JSON.stringify(c)).join('\n');
const stdout = execFileSync('go', ['run', '.'], {
  cwd: here,
  input: stdin,
  encoding: 'utf8',
  maxBuffer: 1 << 28,
});
const results = stdout
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as Record<string, unknown>);
const file = {
  generatedBy:
    'libs/talos-factory/oracle/generate.ts (Go oracle main.go with go.yaml.in/yaml/v4 v4.0.0-rc.6)',
  source:
    'inputs from libs/talos-factory/oracle/cases.ts; outputs computed by go-yaml, not by the TypeScript code',
  vectors: results,
};
writeFileSync(join(here, '../src/schematic/oracle-vectors.json'), `${JSON.stringify(file, null, 1)}\n`);
console.log(`wrote ${results.length} vectors (${results.filter((r) => r.error).length} errors)`);
