import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { readInlineManifests } from '@infra/talos-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpCopy, type UpCopy } from './testing/up-copy';

/**
 * Issue 15 item 6: `scripts/up.ts` (what `./infra up` runs) for real in a copy of the working tree, on the
 * embedded simulators with the real tofu, bpg and talos providers and talosctl. The first run fails at the
 * deploy step for a real cause (the Proxmox host refuses every clone: a simulated 500 on the clone request,
 * which the bpg provider meets as on a real host); the next run resumes there, skipping doctor and
 * build-images without touching them, and brings the cluster up; a third run finds every step up to date
 * with 0 mutating Proxmox requests and 0 new ApplyConfiguration calls.
 */
const CLONE_REFUSED = [
  {
    kind: 'error',
    status: 500,
    message: 'simulated clone refusal',
    method: 'POST',
    path: '/nodes/*/qemu/*/clone',
  },
];

interface Report {
  steps: Array<{ id: string; outcome: string; action: string; result?: Record<string, unknown> }>;
}
const outcomes = (stdout: string) =>
  Object.fromEntries((JSON.parse(stdout) as Report).steps.map((s) => [s.id, s.outcome]));

let copy: UpCopy;
beforeAll(async () => {
  copy = await startUpCopy();
}, 120_000);
afterAll(async () => {
  await copy?.close();
});

describe('./infra up: the up workflow with resume (issue 15 item 6)', () => {
  it('rejects an unknown step with exit 2 and the step names', async () => {
    const run = await copy.up(['--from', 'nope']);
    expect(run.exitCode).toBe(2);
    expect(stripVTControlCharacters(run.stderr)).toMatch(
      /--from: expected one of doctor, build-images, deploy, bootstrap, platform \[USAGE\]/,
    );
  });

  it('a step failing while the Proxmox connection is still opening exits at once (no simulator left serving)', async () => {
    // deploy opens the connection alongside rendering the platform; with no chart archive the render fails
    // first. The run used to leave the simulator that connection then started listening, so it never exited.
    const empty = join(copy.tmp, 'no-archives');
    await mkdir(empty, { recursive: true });
    const run = await copy.up(['local', '--from', 'deploy'], { INFRA_SOURCE_ARCHIVES: empty }, 120_000);
    const text = stripVTControlCharacters(run.all);
    expect(run.timedOut, text).toBe(false);
    expect(run.exitCode, text).toBe(1);
    expect(text).toMatch(/\[PLATFORM_CHART_MISSING\]/);
    expect(text).toMatch(/up: failed at deploy/);
    // The next test starts from a copy no run has recorded anything in.
    await rm(join(copy.repo, '.infra', 'workflows'), { recursive: true, force: true });
  }, 180_000);

  it('fails at deploy, resumes at deploy, then a full run skips every step', {
    timeout: 1_800_000,
  }, async () => {
    const failing = await copy.up(['local', '--json'], { INFRA_SIM_FAULTS: JSON.stringify(CLONE_REFUSED) });
    const failingText = stripVTControlCharacters(failing.all);
    expect(failing.exitCode, failingText).toBe(1);
    expect(failingText).toMatch(/simulated clone refusal/);
    expect(failingText).toMatch(/up: failed at deploy; the next run starts again there/);
    expect(failingText).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    const state = JSON.parse(
      await readFile(join(copy.repo, '.infra', 'workflows', 'local', 'up.json'), 'utf8'),
    ) as {
      steps: Record<string, { status: string; error?: { code: string } }>;
    };
    expect(state.steps.doctor?.status).toBe('succeeded');
    expect(state.steps['build-images']?.status).toBe('succeeded');
    expect(state.steps.deploy).toMatchObject({ status: 'failed', error: { code: 'DEPLOY_TOFU_FAILED' } });
    expect(state.steps.bootstrap).toBeUndefined();
    expect(await copy.applyConfigurations()).toBe(0);

    const dry = await copy.up(['local', '--dry-run', '--json']);
    expect(dry.exitCode, dry.all).toBe(0);
    expect((JSON.parse(dry.stdout) as Report).steps.map((s) => `${s.id}:${s.action}`)).toEqual([
      'doctor:resume',
      'build-images:resume',
      'deploy:run',
      'bootstrap:run',
      'platform:run',
    ]);

    const before = await copy.proxmoxRequests();
    const resumed = await copy.up(['local', '--json']);
    expect(resumed.exitCode, stripVTControlCharacters(resumed.all)).toBe(0);
    expect(outcomes(resumed.stdout)).toEqual({
      doctor: 'resumed',
      'build-images': 'resumed',
      deploy: 'ran',
      bootstrap: 'ran',
      platform: 'ran',
    });
    // The cluster stage created the VMs this time.
    expect((await copy.proxmoxRequests()).mutating).toBeGreaterThan(before.mutating);
    expect(await copy.applyConfigurations()).toBe(2);
    const credentials = join(copy.repo, '.infra', 'clusters', 'local');
    expect(await readFile(join(credentials, 'kubeconfig'), 'utf8')).toContain(
      `server: https://${copy.addresses.cp}:6443`,
    );

    const warmBefore = await copy.proxmoxRequests();
    const warm = await copy.up(['local', '--json']);
    expect(warm.exitCode, stripVTControlCharacters(warm.all)).toBe(0);
    expect(outcomes(warm.stdout)).toEqual({
      doctor: 'up-to-date',
      'build-images': 'up-to-date',
      deploy: 'up-to-date',
      bootstrap: 'up-to-date',
      platform: 'up-to-date',
    });
    const warmAfter = await copy.proxmoxRequests();
    expect(warmAfter.mutating - warmBefore.mutating).toBe(0);
    expect(warmAfter.total).toBeGreaterThan(warmBefore.total); // the checks did ask the host
    expect(await copy.applyConfigurations()).toBe(2);
  });

  it('a platform change re-runs deploy and platform only, and the node receives it', {
    timeout: 900_000,
  }, async () => {
    const file = join(copy.repo, 'kubernetes', 'nvidia-runtime', 'runtimeclass.yaml');
    const text = await readFile(file, 'utf8');
    const changed = text.replace(
      '    app.kubernetes.io/part-of: infra-gpu-platform\n',
      '    app.kubernetes.io/part-of: infra-gpu-platform\n    infra.test/changed: "yes"\n',
    );
    expect(changed).not.toBe(text);
    await writeFile(file, changed);
    const before = await copy.proxmoxRequests();
    const applies = await copy.applyConfigurations();
    const run = await copy.up(['local', '--json']);
    expect(run.exitCode, stripVTControlCharacters(run.all)).toBe(0);
    expect(outcomes(run.stdout)).toEqual({
      doctor: 'up-to-date',
      'build-images': 'up-to-date',
      deploy: 'ran',
      bootstrap: 'up-to-date',
      platform: 'ran',
    });
    // The control plane got the new machine config (the inline manifests live there); no VM changed.
    expect(await copy.applyConfigurations()).toBeGreaterThan(applies);
    expect((await copy.proxmoxRequests()).mutating).toBe(before.mutating);
    const delivered = await readInlineManifests(join(copy.repo, '.infra', 'sim', 'talos'), copy.addresses.cp);
    expect(delivered['nvidia-runtime']).toContain('infra.test/changed');

    const only = await copy.up(['local', '--only', 'platform', '--json']);
    expect(only.exitCode, stripVTControlCharacters(only.all)).toBe(0);
    expect(outcomes(only.stdout)).toEqual({
      doctor: 'excluded',
      'build-images': 'excluded',
      deploy: 'excluded',
      bootstrap: 'excluded',
      platform: 'ran',
    });
  });
});
