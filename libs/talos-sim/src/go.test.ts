import { runProcess } from '@infra/core';
import { describe, expect, it } from 'vitest';
import { GO_SOURCE_DIR } from './source';

// The Go simulator's own tests (real machinery client against the simulator: maintenance apply and
// validation, mutual TLS, bootstrap once, kubeconfig, one-to-many routing, COSI, upgrades and schematic
// guard, restarts), run by the project's test command through this file.
describe('talos-sim Go tests', () => {
  it('pass (go test ./...)', { timeout: 900_000 }, async () => {
    const result = await runProcess('nice', ['-n', '10', 'go', 'test', '-count=1', './...'], {
      cwd: GO_SOURCE_DIR,
      pass: ['GOPATH', 'GOMODCACHE', 'GOCACHE', 'GOPROXY', 'GOFLAGS'],
      env: { CGO_ENABLED: '0' },
    });
    const output = `${result.stdout}\n${result.stderr}`;
    if (result.exitCode !== 0) console.error(output);
    expect(result.exitCode, 'go test failed (output above)').toBe(0);
    expect(output).toMatch(/^ok\s+github\.com\/infra\/talos-sim/m);
  });
});
