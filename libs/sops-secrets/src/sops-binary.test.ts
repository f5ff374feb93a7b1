import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareVersions, ensureSops, parseSopsVersion } from './sops-binary';

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
