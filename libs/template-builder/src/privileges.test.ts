import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadEnvironment } from '@infra/config';
import { ProxmoxClient } from '@infra/proxmox-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from './build';
import type { Connection } from './connect';
import type { StepEvent } from './execute';
import { type ServedImage, serveCloudImage } from './testing/cloud-image';
import { type Harness, startHarness } from './testing/harness';

/**
 * The README's `pveum role add InfraBuilder -privs "…"` is enough for every call the builder makes (build lock
 * included): a token holding only that role builds, rebuilds, cleans up after a failure and resizes, on the
 * simulator that checks each endpoint's permissions from the official schema.
 */
const readme = resolve(import.meta.dirname, '../../../README.md');
let h: Harness;
let image: ServedImage;
let connection: Connection;

beforeAll(async () => {
  const privs = /pveum role add InfraBuilder -privs "([^"]+)"/.exec(await readFile(readme, 'utf8'))?.[1];
  if (!privs) throw new Error('README.md has no `pveum role add InfraBuilder -privs "…"` line');
  [h, image] = await Promise.all([startHarness(), serveCloudImage()]);
  h.sim.state.roles.InfraBuilder = privs.split(/\s+/);
  const token = await h.sim.issueToken('infra@pve!build', {
    privsep: false,
    roles: [{ path: '/', roleid: 'InfraBuilder' }],
  });
  const client = new ProxmoxClient({
    endpoint: h.sim.url,
    auth: { type: 'token', tokenId: token.tokenId, secret: token.secret },
    tls: { fingerprint: h.sim.fingerprint },
    retry: { baseDelayMs: 5, maxDelayMs: 20, lockBaseDelayMs: 5 },
  });
  connection = { ...h.connection, client };
});
afterAll(async () => {
  await connection.client.close();
  await image.stop();
  await h.stop();
});

describe('the documented token privileges', () => {
  it('cover a Talos build, its failure cleanup and an up-to-date rebuild', async () => {
    let armed = false;
    const onEvent = (e: StepEvent) => {
      if (!armed && e.type === 'start' && e.step.kind === 'template') {
        armed = true;
        h.sim.faults.add({ kind: 'task-failure', taskType: 'qmtemplate', message: 'disk on fire', times: 1 });
      }
    };
    await expect(buildImage(h.env, 'talos', { connection, onEvent })).rejects.toMatchObject({
      code: 'BUILD_FAILED',
      message: expect.stringContaining('cleaned up: VM 9000, volume'),
    });
    expect(await buildImage(h.env, 'talos', { connection })).toMatchObject({ status: 'built', vmid: 9000 });
    expect(await buildImage(h.env, 'talos', { connection })).toMatchObject({ status: 'up-to-date' });
  });

  it('cover a cloud-image base template', async () => {
    const base = await readFile(join(h.dir, 'infra.config.yaml'), 'utf8');
    await writeFile(join(h.dir, 'priv.config.yaml'), base.replace('  gpu:', `${image.imagesYaml()}  gpu:`));
    const env = await loadEnvironment('local', { file: join(h.dir, 'priv.config.yaml') });
    expect(await buildImage(env, 'debian', { connection })).toMatchObject({ status: 'built', vmid: 9001 });
  });
});
