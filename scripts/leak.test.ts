import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { loadEnvironment } from '@infra/config';
import { formatLeakHits, loadSecrets, scanPaths, scanText, secretNeedles } from '@infra/sops-secrets';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyWorkingTree } from './testing/workspace-copy';

/**
 * Issue 7 "Leak test": the real `pnpm exec nx run talos:build-image` in a throw-away copy of the working
 * tree (embedded simulators, the demo secrets the first load generates under the copy's .infra/, decrypted by
 * the real sops), once failing at a
 * request and once succeeding; then no secret value of the environment, in any encoding the scanner knows,
 * may appear in the terminal output, `.nx/`, `dist/`, `.infra/` (incl. the simulator's request log) or the
 * run's TMPDIR.
 */
const repoRoot = resolve(import.meta.dirname, '..');
const CREATE_FAULT = [
  { kind: 'error', status: 500, message: 'simulated storage failure', method: 'POST', path: '/nodes/*/qemu' },
];

let work: string;
let copy: string;
let runTmp: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'leak-test-'));
  copy = join(work, 'repo');
  runTmp = join(work, 'tmp');
  await mkdir(runTmp);
  await copyWorkingTree(repoRoot, copy);
});
// Node's compile cache may still be flushed by an exiting child: retry instead of failing on ENOTEMPTY.
afterAll(() => rm(work, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }));

const buildImage = (extraEnv: Record<string, string> = {}) =>
  execa('pnpm', ['exec', 'nx', 'run', 'talos:build-image'], {
    cwd: copy,
    extendEnv: false,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...(process.env.INFRA_CACHE_DIR ? { INFRA_CACHE_DIR: process.env.INFRA_CACHE_DIR } : {}),
      TMPDIR: runTmp,
      NX_DAEMON: 'false',
      NX_NO_CLOUD: 'true',
      // pnpm would otherwise "verify" (install) the copy's dependencies before exec.
      pnpm_config_verify_deps_before_run: 'false',
      PVE_SIM_LOG: join(copy, '.infra', 'pve-requests.jsonl'),
      ...extraEnv,
    },
    all: true,
    reject: false,
    timeout: 120_000,
  });

describe('talos:build-image leaks no secret (issue 7)', () => {
  it('failing and succeeding runs: the error names the request, zero hits in output, .nx, dist, .infra, TMPDIR', async () => {
    const environment = await loadEnvironment('local', { file: join(copy, 'infra.config.yaml') });
    const secrets = await loadSecrets(environment);
    // Every non-identifier value: the token secret, the admin password hash, and any plaintext password or
    // other secret the demo file may carry.
    const needles = secretNeedles(secrets, 'local');
    expect(needles.map((n) => n.label)).toEqual(
      expect.arrayContaining(['local:proxmox.tokenSecret', 'local:admin.passwordHash']),
    );

    // Positive control: the scanner finds these very needles, raw in text and base64-encoded in a file.
    const control = join(work, 'control.txt');
    await writeFile(
      control,
      `Authorization: Basic ${Buffer.from(`x:${secrets.proxmox.tokenSecret}`).toString('base64')}\n`,
    );
    expect((await scanPaths([control], needles)).hits.map((h) => h.encoding)).toEqual(['base64']);
    expect(scanText(`token=${secrets.proxmox.tokenSecret}`, needles)).toHaveLength(1);

    const failing = await buildImage({ INFRA_SIM_FAULTS: JSON.stringify(CREATE_FAULT) });
    const failingOutput = stripVTControlCharacters(failing.all ?? '');
    expect(failing.exitCode, failingOutput).not.toBe(0);
    // One line naming the request and the typed code (the pipeline reports the failing call itself).
    expect(failingOutput).toMatch(
      /error: POST \/nodes\/pve\/qemu: simulated storage failure \[PVE_SERVER_ERROR\]/,
    );
    expect(failingOutput).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m); // no stack trace

    const passing = await buildImage();
    const passingOutput = stripVTControlCharacters(passing.all ?? '');
    expect(passing.exitCode, passingOutput).toBe(0);
    expect(passingOutput).toMatch(/template built/);

    const hits = [
      ...scanText(failing.all ?? '', needles, '(failing run output)'),
      ...scanText(passing.all ?? '', needles, '(build run output)'),
    ];
    const scanned = await scanPaths(
      ['.nx', 'dist', '.infra'].map((p) => join(copy, p)).concat(runTmp),
      needles,
    );
    hits.push(...scanned.hits);
    expect(formatLeakHits(hits)).toEqual([]);
    // The scan saw the places that matter: Nx workspace data, the simulator's request log, the run's temp files.
    expect(scanned.missing.map((p) => p.slice(copy.length + 1))).not.toContain('.nx');
    expect(scanned.filesScanned).toBeGreaterThan(5);
    expect(await readFile(join(copy, '.infra', 'pve-requests.jsonl'), 'utf8')).toMatch(/"POST"/);

    // The copy's package links are its own: the run did not rewrite the source checkout's node_modules.
    expect(await realpath(join(repoRoot, 'node_modules', '@infra', 'core'))).toBe(
      join(repoRoot, 'libs', 'core'),
    );
  }, 180_000);
});
