import { readdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { loadEnvironment } from '@infra/config';
import { formatLeakHits, loadSecrets, scanPaths, scanText, secretNeedles } from '@infra/sops-secrets';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { startUpCopy, type UpCopy } from './testing/up-copy';
import { sourceArchivesEnv } from './testing/workspace-copy';

/**
 * Issue 7 "Leak test": the real `pnpm exec nx run talos:build-image` in a throw-away copy of the working
 * tree (embedded simulators, the demo secrets the first load generates under the copy's .infra/, decrypted by
 * the real sops), once failing at a
 * request and once succeeding; then no secret value of the environment, in any encoding the scanner knows,
 * may appear in the terminal output, `.nx/`, `dist/`, `.infra/` (incl. the simulator's request log) or the
 * run's TMPDIR. Then issue 12's cluster stage: `scripts/up.ts` (what `./infra up` runs) in the same copy, and
 * no machine secret, talosconfig or kubeconfig client key, token or environment secret may appear in any file
 * git would see, `.nx/`, the logs, the tofu state or anywhere else under `.infra/` but the 0600 credentials
 * and the simulated node's own disk.
 */
const repoRoot = resolve(import.meta.dirname, '..');
const CREATE_FAULT = [
  { kind: 'error', status: 500, message: 'simulated storage failure', method: 'POST', path: '/nodes/*/qemu' },
];

let upCopy: UpCopy;
let work: string;
let copy: string;
let runTmp: string;

// One copy for both: the build-image runs first, then `up` (cluster stage) in the same tree, so the second scan
// also covers the .nx/ data of the first. Its local cluster has its own 127.0.<n>.x addresses (up-copy.ts).
beforeAll(async () => {
  upCopy = await startUpCopy();
  work = upCopy.dir;
  copy = upCopy.repo;
  runTmp = upCopy.tmp;
}, 120_000);
// Stops the Talos simulator the up run left serving; node's compile cache retries are in close().
afterAll(() => upCopy?.close());

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
      ...sourceArchivesEnv(repoRoot),
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

/** Every path under `root` except the `excluded` ones (and what is inside them). */
async function pathsExcept(root: string, excluded: readonly string[]): Promise<string[]> {
  if (excluded.includes(root)) return [];
  if (!excluded.some((e) => e.startsWith(`${root}/`))) return [root];
  const entries = await readdir(root).catch(() => []);
  const out: string[] = [];
  for (const entry of entries.sort()) out.push(...(await pathsExcept(join(root, entry), excluded)));
  return out;
}

const yamlDocs = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as Record<string, unknown>);
const pick = (value: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], value);
const pem = (base64: unknown) => Buffer.from(String(base64 ?? ''), 'base64').toString('utf8');

describe('./infra up leaks no cluster secret (issue 12 item 5)', () => {
  it('after up on the simulators: no machine secret, talosconfig or kubeconfig key, token in tracked files, .nx, logs, tofu state', async () => {
    const run = await upCopy.up(['local']);
    const output = stripVTControlCharacters(run.all);
    expect(run.exitCode, output).toBe(0);

    const credentials = join(copy, '.infra', 'clusters', 'local');
    const nodes = join(copy, '.infra', 'sim', 'talos', 'nodes');
    const applied = yamlDocs(await readFile(join(nodes, upCopy.addresses.cp, 'config.yaml'), 'utf8'));
    const v1 = applied.find((d) => d.machine && d.cluster) ?? {};
    const talosconfig = yamlDocs(await readFile(join(credentials, 'talosconfig'), 'utf8'))[0] ?? {};
    const kubeconfig = yamlDocs(await readFile(join(credentials, 'kubeconfig'), 'utf8'))[0] ?? {};
    const contexts = Object.values((talosconfig.contexts ?? {}) as Record<string, { key?: string }>);
    const users = (kubeconfig.users ?? []) as Array<{ user: Record<string, string> }>;
    const environment = await loadEnvironment('local', { file: join(copy, 'infra.config.yaml') });
    const needles = [
      { label: 'machine.token', value: String(pick(v1, 'machine.token')) },
      { label: 'machine.ca.key', value: pem(pick(v1, 'machine.ca.key')) },
      { label: 'cluster.token', value: String(pick(v1, 'cluster.token')) },
      {
        label: 'cluster.secretboxEncryptionSecret',
        value: String(pick(v1, 'cluster.secretboxEncryptionSecret')),
      },
      { label: 'cluster.ca.key', value: pem(pick(v1, 'cluster.ca.key')) },
      { label: 'cluster.aggregatorCA.key', value: pem(pick(v1, 'cluster.aggregatorCA.key')) },
      { label: 'cluster.serviceAccount.key', value: pem(pick(v1, 'cluster.serviceAccount.key')) },
      { label: 'cluster.etcd.ca.key', value: pem(pick(v1, 'cluster.etcd.ca.key')) },
      ...contexts.map((c, i) => ({ label: `talosconfig contexts[${i}].key`, value: pem(c.key) })),
      ...users.map((u, i) => ({
        label: `kubeconfig users[${i}].client-key-data`,
        value: pem(u.user['client-key-data']),
      })),
      ...secretNeedles(await loadSecrets(environment), 'local'),
    ];
    // Every secret was found where it belongs (a real value, not an empty string that matches nothing)...
    expect(needles.filter((n) => n.value.length < 16 || n.value === 'undefined').map((n) => n.label)).toEqual(
      [],
    );
    expect(contexts.length).toBeGreaterThan(0);
    expect(users.length).toBeGreaterThan(0);
    // ...and the scanner finds them there: the positive control.
    const control = await scanPaths([credentials, nodes], needles);
    const found = new Set(control.hits.map((h) => h.label));
    expect(
      needles.filter((n) => !n.label.startsWith('local:') && !found.has(n.label)).map((n) => n.label),
    ).toEqual([]);

    // Where they must not be: every file git would see, .nx, dist, every log and state under .infra (the tofu
    // state, the workflow state, the simulators' logs and request log) except the two places that hold them on
    // purpose (the 0600 credentials, the simulated node's own disk), the run's TMPDIR, the terminal output.
    const { stdout } = await execa('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: repoRoot,
    });
    const tracked = stdout
      .split('\0')
      .filter(Boolean)
      .map((p) => join(copy, p));
    const infra = await pathsExcept(join(copy, '.infra'), [credentials, nodes]);
    const scanned = await scanPaths(
      [...tracked, join(copy, '.nx'), join(copy, 'dist'), ...infra, runTmp],
      needles,
    );
    const hits = [...scanned.hits, ...scanText(run.all, needles, '(up run output)')];
    expect(formatLeakHits(hits)).toEqual([]);
    // The scan covered what matters: the encrypted cluster state, the workflow state, the Talos simulator's log.
    for (const must of [
      join('.infra', 'tofu', 'local', 'cluster', 'terraform.tfstate'),
      join('.infra', 'workflows', 'local', 'up.json'),
      join('.infra', 'sim', 'talos', 'talos-sim.log'),
      join('.infra', 'pve-requests.jsonl'),
    ]) {
      const file = join(copy, must);
      expect(
        infra.some((p) => file === p || file.startsWith(`${p}/`)),
        must,
      ).toBe(true);
      await expect(readFile(file)).resolves.toBeDefined();
    }
    expect(scanned.missing.filter((p) => p.endsWith('.nx'))).toEqual([]);
  }, 1_200_000);
});
