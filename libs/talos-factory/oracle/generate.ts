#!/usr/bin/env tsx
/**
 * Regenerates ../src/schematic/oracle-vectors.json by running the cases through the Go oracle (needs `go` on
 * PATH and the Go module proxy for go.yaml.in/yaml/v4). Run: tsx libs/talos-factory/oracle/generate.ts
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineCommand, log, runProcess, runScript, writeFileAtomic } from '@infra/core';
import { randomCases, staticCases } from './cases';

const here = dirname(fileURLToPath(import.meta.url));
const OUTPUT = join(here, '../src/schematic/oracle-vectors.json');
/** What `go run` needs beyond the runner's minimal base (module cache, proxy, build cache). */
const GO_ENV = ['GOPATH', 'GOMODCACHE', 'GOCACHE', 'GOPROXY', 'GOFLAGS', 'GONOSUMDB', 'GOTOOLCHAIN'];

export const command = defineCommand({
  description: 'regenerate src/schematic/oracle-vectors.json through the Go oracle (go-yaml v4)',
  examples: ['tsx libs/talos-factory/oracle/generate.ts'],
  run: async ({ signal }) => {
    const cases = [...staticCases(), ...randomCases(400)];
    const { stdout } = await runProcess('go', ['run', '.'], {
      cwd: here,
      input: cases.map((c) => JSON.stringify(c)).join('\n'),
      pass: GO_ENV,
      // The cases include random strings; the redactor must not rewrite one that looks like a token.
      rawStdout: true,
      check: true,
      signal,
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
    await writeFileAtomic(OUTPUT, `${JSON.stringify(file, null, 1)}\n`);
    log.success(`wrote ${results.length} vectors (${results.filter((r) => r.error).length} errors)`);
  },
});

await runScript(import.meta.url, command);
