import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { GO_SOURCE_DIR } from './source';

// The Go simulator's own tests (real machinery client against the simulator: maintenance apply and
// validation, mutual TLS, bootstrap once, kubeconfig, one-to-many routing, COSI, upgrades and schematic
// guard, restarts), run by the project's test command through this file.
describe('talos-sim Go tests', () => {
  it('pass (go test ./...)', { timeout: 900_000 }, async () => {
    const result = await execa('nice', ['-n', '10', 'go', 'test', '-count=1', './...'], {
      cwd: GO_SOURCE_DIR,
      reject: false,
      all: true,
      env: { CGO_ENABLED: '0' },
    });
    if (result.exitCode !== 0) console.error(result.all);
    expect(result.exitCode, 'go test failed (output above)').toBe(0);
    expect(result.all).toMatch(/^ok\s+github\.com\/infra\/talos-sim/m);
  });
});
