import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Environment, loadEnvironment } from '@infra/config';
import { MUTATING, simStateDir } from '@infra/proxmox-connect';
import { type RequestLogEntry, type Simulator, startSimulator } from '@infra/pve-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from './build';

// `nx run <os>:build-image -e local` end to end: the repository's own infra.config.yaml, demo secrets (real
// sops), packer/ and ansible/, in a temp copy. The Proxmox simulator runs on the copy's .infra/sim/ (as after
// `scripts/sim.ts start --detach`), so every build reuses it and its request log shows what each build sent;
// each build opens its own connection, and with it its own image mirror on a new port.
const repoRoot = resolve(import.meta.dirname, '../../..');
const CLOUD_IMAGE_OSES = ['debian', 'ubuntu', 'arch'];
let dir: string;
let env: Environment;
let sim: Simulator;
const logFile = () => join(dir, 'pve-requests.jsonl');

async function logEntries(): Promise<RequestLogEntry[]> {
  const text = await readFile(logFile(), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as RequestLogEntry);
}
/**
 * The simulator's log entries since `from`, once it has logged at least the `sent` requests the build counted
 * (it appends each line after answering, so the last one can land just after the build returns). Bounded.
 */
async function loggedSince(from: number, sent: number): Promise<RequestLogEntry[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const entries = (await logEntries()).slice(from);
    if (entries.length >= sent || Date.now() > deadline) return entries;
    await new Promise((r) => setTimeout(r, 25));
  }
}
const mutating = (entries: RequestLogEntry[]) =>
  entries.filter((e) => MUTATING.has(e.method)).map((e) => `${e.method} ${e.path}`);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'local-images-'));
  for (const path of ['infra.config.yaml', 'secrets', 'packer', 'ansible', 'talos'])
    await cp(join(repoRoot, path), join(dir, path), { recursive: true });
  env = await loadEnvironment('local', { cwd: dir });
  sim = await startSimulator({ stateDir: simStateDir(env), log: logFile(), timing: { taskMs: 20 } });
}, 60_000);
afterAll(async () => {
  await sim?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('build-image on local, from the embedded image mirror', () => {
  it.each(CLOUD_IMAGE_OSES)(
    '%s: the first build downloads from the mirror and makes a template; an unchanged rebuild changes nothing',
    async (os) => {
      expect(env.images[os]?.source.url).toMatch(/^https:\/\//); // the catalog names the real upstream image
      const before = (await logEntries()).length;
      const first = await buildImage(env, os, { baseOnly: true });
      expect(first.status).toBe('built');
      expect(first.sourceUrl).toMatch(
        new RegExp(`^http://127\\.0\\.0\\.1:\\d+/${os}/source/.+\\.(qcow2|img)$`),
      );
      const firstLog = await loggedSince(before, first.proxmoxRequests.total);
      expect(mutating(firstLog)).toEqual([
        // The embedded host adapter allows `import` content on the fresh simulator (once, on the first build).
        ...(os === CLOUD_IMAGE_OSES[0] ? ['PUT /storage/local'] : []),
        'POST /nodes/pve/qemu', // the build lock
        'POST /nodes/pve/storage/local/download-url',
        'POST /nodes/pve/qemu',
        `PUT /nodes/pve/qemu/${first.vmid}/resize`,
        `POST /nodes/pve/qemu/${first.vmid}/template`,
        `PUT /nodes/pve/qemu/${first.vmid}/config`,
        'DELETE /nodes/pve/qemu/999999999',
      ]);

      // A new run: a new connection, a new mirror on another port, the same bytes and checksum.
      const middle = (await logEntries()).length;
      const again = await buildImage(env, os, { baseOnly: true });
      expect(again).toMatchObject({ status: 'up-to-date', vmid: first.vmid, fingerprint: first.fingerprint });
      const againLog = await loggedSince(middle, again.proxmoxRequests.total);
      expect(againLog.length).toBeGreaterThan(0);
      expect(mutating(againLog)).toEqual([]);
      expect(again.proxmoxRequests).toMatchObject({ mutating: 0 });
    },
    120_000,
  );

  it.each([
    ['nixos', ['source']],
    ['windows', ['source', 'drivers']],
  ])(
    '%s (install: iso): the first build puts the pinned ISOs on the iso storage; an unchanged rebuild changes nothing',
    async (os, media) => {
      const before = (await logEntries()).length;
      const first = await buildImage(env, os);
      expect(first.status).toBe('built');
      expect(first.vmid).toBeUndefined(); // no base template: Packer's proxmox-iso makes the VM
      expect(first.media).toEqual(
        media.map((m) => expect.stringMatching(new RegExp(`^local:iso/${os}-.+-${m}-[0-9a-f]{12}\\.iso$`))),
      );
      const firstLog = await loggedSince(before, first.proxmoxRequests.total);
      expect(mutating(firstLog)).toEqual([
        'POST /nodes/pve/qemu', // the build lock
        ...media.map(() => 'POST /nodes/pve/storage/local/download-url'),
        'DELETE /nodes/pve/qemu/999999999',
      ]);
      // Each download carried a checksum (the mirror copy's), valid for the official schema, and Proxmox (the
      // simulator) verified it before storing the volume.
      const downloads = firstLog.filter((e) => e.path.endsWith('/download-url'));
      for (const d of downloads) {
        expect(d).toMatchObject({ status: 200, schema: 'valid' });
        expect(d.params).toEqual(expect.arrayContaining(['content', 'checksum', 'checksum-algorithm']));
      }
      expect(first.steps.map((s) => s.params)).toEqual(
        media.map(() =>
          expect.objectContaining({ content: 'iso', checksum: expect.stringMatching(/^[0-9a-f]{64}$/) }),
        ),
      );
      expect(
        first.steps.every((s, i) =>
          String((s.params as Record<string, string>).url).includes(`/${os}/${media[i]}/`),
        ),
      ).toBe(true);
      // The golden stage (Packer proxmox-iso) needs a host that boots guests: skipped, saying why.
      expect(first.golden).toMatchObject({
        status: 'skipped',
        reason: expect.stringContaining('runs no guests'),
      });

      const middle = (await logEntries()).length;
      const again = await buildImage(env, os);
      expect(again).toMatchObject({
        status: 'up-to-date',
        media: first.media,
        fingerprint: first.fingerprint,
      });
      const againLog = await loggedSince(middle, again.proxmoxRequests.total);
      expect(againLog.length).toBeGreaterThan(0);
      expect(mutating(againLog)).toEqual([]);
      expect(again.proxmoxRequests).toMatchObject({ mutating: 0 });
    },
    120_000,
  );
});
