import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareVersions, ensureSops, parseSopsVersion, runSops } from './sops-binary';

describe('parseSopsVersion', () => {
  it('reads the version line, ignoring update notices', () => {
    expect(parseSopsVersion('sops 3.13.2\n[warning] failed to retrieve latest version')).toEqual([3, 13, 2]);
    expect(parseSopsVersion('sops 3.8.1 (latest)')).toEqual([3, 8, 1]);
    expect(parseSopsVersion('something else')).toBeUndefined();
    expect(compareVersions([3, 9, 0], [3, 13, 2])).toBeLessThan(0);
    expect(compareVersions([3, 13, 2], [3, 9, 0])).toBeGreaterThan(0);
  });
});

describe('ensureSops', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fake-sops-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('names a missing sops and how to install it', async () => {
    await expect(ensureSops({ PATH: join(dir, 'empty') })).rejects.toMatchObject({
      code: 'SOPS_MISSING',
      hint: expect.stringContaining('./infra toolchain install'),
    });
  });

  it('refuses a sops older than 3.9', async () => {
    await writeFile(join(dir, 'sops'), '#!/bin/sh\necho "sops 3.8.1 (latest)"\n', { mode: 0o755 });
    await expect(ensureSops({ PATH: `${dir}:/usr/bin:/bin` })).rejects.toMatchObject({
      code: 'SOPS_VERSION',
      message: 'sops 3.8.1 is too old: infra needs sops 3.9.0 or newer',
    });
  });

  it('accepts the real sops on PATH', async () => {
    expect(await ensureSops()).toMatch(/^3\.\d+\.\d+$/);
  });
});

describe('runSops', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'env-sops-'));
    // A stand-in that reports its environment and stdin instead of decrypting: what the real sops would see.
    await writeFile(
      join(dir, 'sops'),
      '#!/bin/sh\ncase "$1" in --version) echo "sops 3.13.2";; *) env; echo "stdin=$(cat)"; echo "args=$*" >&2;; esac\n',
      { mode: 0o755 },
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('gives sops the minimal base, its own settings and the resolved keys, nothing else of the caller', async () => {
    const run = await runSops(['decrypt', 'x.enc.yaml'], {
      keys: {
        from: {
          PATH: `${dir}:/usr/bin:/bin`,
          HOME: '/home/someone',
          EDITOR: 'vi',
          INFRA_TEST_LEAK: 'must-not-reach-sops',
          SOPS_AGE_KEY_CMD: 'cat /elsewhere/key',
          AWS_SECRET_ACCESS_KEY: 'cloud-credential',
        },
        env: { SOPS_AGE_KEY: 'AGE-SECRET-KEY-1EXAMPLE' },
      },
      input: 'plain: text',
    });
    const env = run.stdout.split('\n');
    expect(env).toContain('HOME=/home/someone');
    expect(env).toContain('EDITOR=vi');
    expect(env).toContain('SOPS_AGE_KEY=AGE-SECRET-KEY-1EXAMPLE');
    expect(env).toContain('SOPS_DISABLE_VERSION_CHECK=true');
    expect(env).toContain('stdin=plain: text');
    expect(run.stdout).not.toMatch(/INFRA_TEST_LEAK|SOPS_AGE_KEY_CMD|AWS_SECRET_ACCESS_KEY/);
    expect(run.stderr).toBe('args=decrypt x.enc.yaml\n');
    expect(run.exitCode).toBe(0);
  });
});
