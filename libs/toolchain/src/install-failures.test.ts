/**
 * Failing installs, for real: unobtainable pins go through the actual Go module proxy and go toolchain, in a
 * throwaway repo root and cache. Each must fail with a message naming the tool and the log, and leave
 * nothing that looks installed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { capture } from './exec';
import { installToolchain } from './install';
import { buildGo } from './installers/go';
import { findRepoRoot } from './load';
import { cacheLayout } from './paths';
import { createProgress } from './progress';

const haveGo = spawnSync('go', ['version']).status === 0;
if (!haveGo)
  console.warn('install failure tests skipped: no `go` on PATH (the toolchain needs Go >= 1.26.6 to build)');

const quiet = { step() {}, info() {}, success() {}, warn() {}, error() {}, debug() {} };

async function scratchRepo(miseToml: string) {
  const root = await mkdtemp(join(tmpdir(), 'infra-tc-root-'));
  await writeFile(join(root, 'mise.toml'), miseToml);
  const layout = cacheLayout(await mkdtemp(join(tmpdir(), 'infra-tc-cache-')));
  return { root, layout };
}

async function allEntries(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true }).catch(() => [] as string[])).map(String);
}

describe.skipIf(!haveGo)('install failures', () => {
  it('a required Go tool that cannot be built fails with the tool, the log tail and path, and installs nothing', async () => {
    const { root, layout } = await scratchRepo('[tools]\nsops = "0.0.1"\n');
    const result = await installToolchain({ root, layout, logger: quiet });
    expect(result.failures).toHaveLength(1);
    const [failure] = result.failures;
    expect(failure?.code).toBe('TOOLCHAIN_BUILD_FAILED');
    expect(failure?.message).toContain('sops 0.0.1: go install failed');
    expect(failure?.message).toContain(layout.logFile('sops', '0.0.1'));
    expect(failure?.message).toContain('v0.0.1');
    expect(failure?.hint).toContain('nothing was installed');
    expect(result.rows).toMatchObject([{ tool: 'sops', status: 'failed' }]);
    const left = await allEntries(layout.toolsDir);
    expect(left.filter((p) => p.startsWith('sops') || p.includes('.tmp-') || p === 'bin/sops')).toEqual([]);
    expect(existsSync(layout.lockFile)).toBe(false);
  });

  it('a module version the proxy refuses is TOOLCHAIN_SOURCE_UNAVAILABLE; optional makes it a warning', async () => {
    const required = await scratchRepo('[tools]\nterraform-docs = "0.0.1"\n');
    const failed = await installToolchain({ root: required.root, layout: required.layout, logger: quiet });
    expect(failed.failures[0]?.code).toBe('TOOLCHAIN_SOURCE_UNAVAILABLE');
    expect(failed.failures[0]?.message).toContain('github.com/terraform-docs/terraform-docs@v0.0.1');

    const optional = await scratchRepo(
      '[_.infra.providers]\n"bpg/proxmox" = { version = "0.0.1", optional = true, reason = "not served here" }\n',
    );
    const warned = await installToolchain({ root: optional.root, layout: optional.layout, logger: quiet });
    expect(warned.failures).toEqual([]);
    expect(warned.rows).toMatchObject([{ tool: 'bpg/proxmox', status: 'unavailable', optional: true }]);
    expect(warned.warnings[0]).toContain('mise.toml: not served here');
    // Not built, so the CLI config leaves it to the registry.
    const config = await capture('cat', [optional.layout.tofuCliConfig]);
    expect(config.stdout).toContain('direct {}');
    expect(config.stdout).not.toContain('bpg');
  });

  it('a compile error in a source build reports the last lines of the build log', async () => {
    const { layout } = await scratchRepo('');
    const workDir = join(layout.workDir, 'compile');
    const logFile = layout.logFile('age', 'broken');
    const error = await buildGo(
      { module: 'filippo.io/age', method: 'source', packages: [{ pkg: './cmd/no-such-command', bin: 'x' }] },
      '1.3.1',
      [{ pkg: './cmd/no-such-command', output: join(layout.toolsDir, 'out', 'x') }],
      { workDir, logFile, progress: createProgress('age broken', { logger: quiet }), subject: 'age broken' },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TOOLCHAIN_BUILD_FAILED' });
    expect((error as Error).message).toContain('go build ./cmd/no-such-command failed');
    expect((error as Error).message).toMatch(/no-such-command/);
    expect(existsSync(join(layout.toolsDir, 'out', 'x'))).toBe(false);
    expect(await readdir(workDir)).toEqual([]);
  });

  it('the CLI exits 1 and prints the error with its code and hint, no stack trace', async () => {
    const { root, layout } = await scratchRepo('[tools]\nsops = "0.0.1"\n');
    const repo = findRepoRoot(import.meta.dirname);
    const result = await capture(
      join(repo, 'node_modules', '.bin', 'tsx'),
      [join(repo, 'scripts', 'toolchain.ts'), 'install'],
      {
        env: { ...process.env, INFRA_ROOT: root, INFRA_CACHE_DIR: layout.cacheDir },
        timeoutMs: 120_000,
      },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('sops 0.0.1: go install failed');
    expect(result.stderr).toContain('[TOOLCHAIN_BUILD_FAILED]');
    expect(result.stderr).toContain('hint: read the full log at');
    expect(result.stderr).not.toMatch(/\n\s+at .*\.ts:\d+/);
    expect(result.stdout).toMatch(/sops\s+0\.0\.1\s+failed/);
  });
});

describe('without a Go toolchain', () => {
  it('every Go build fails with TOOLCHAIN_GO_MISSING and how to get Go', async () => {
    const { layout } = await scratchRepo('');
    const error = await buildGo(
      { module: 'filippo.io/age', method: 'install', packages: [{ pkg: './cmd/age', bin: 'age' }] },
      '1.3.1',
      [{ pkg: './cmd/age', output: join(layout.toolsDir, 'out', 'age') }],
      {
        workDir: join(layout.workDir, 'nogo'),
        logFile: layout.logFile('age', '1.3.1'),
        progress: createProgress('age 1.3.1', { logger: quiet }),
        subject: 'age 1.3.1',
        env: { PATH: '/nonexistent' },
      },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'TOOLCHAIN_GO_MISSING',
      hint: expect.stringContaining('Go >= 1.26.6'),
    });
  });
});
