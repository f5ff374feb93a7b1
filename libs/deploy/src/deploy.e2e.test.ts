import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isInfraError } from '@infra/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type DeployRequest, deployEnvironment } from './deploy';
import { assertDeployToolchain } from './testing/tools';
import { createWorld, MUTATING_METHODS, TEMPLATE_TAG, type World, type WorldOptions } from './testing/world';

/**
 * The deploy stage end to end: the real tofu and the real bpg provider against the simulator, reached as a
 * real endpoint with its certificate pinned (verification on: the trust file is what lets tofu in).
 */
const TIMEOUT = 600_000;
let world: World | undefined;

beforeAll(assertDeployToolchain);
async function reset() {
  await world?.close();
  world = undefined;
}
afterEach(reset);

async function open(options: WorldOptions = {}): Promise<World> {
  world = await createWorld(options);
  return world;
}

const wanted = { base: { tag: TEMPLATE_TAG, source: 'the test world', build: 'createWorld()' } };

const run = (w: World, action: DeployRequest['action'], variables: Record<string, unknown> = {}) =>
  deployEnvironment({
    environment: w.environment,
    action,
    rootDir: w.rootDir,
    templates: wanted,
    variables,
    yes: true,
    env: w.env,
  });

/** Every request the tools sent, checked by the official PVE 9.0 schema (the request log's verdict). */
async function contract(w: World) {
  const requests = await w.requests();
  const broken = requests.filter((r) => r.schema !== 'valid' || r.status === 501 || r.status === 400);
  return {
    requests,
    broken: broken.map((r) => `${r.method} ${r.path} ${r.status} ${r.schema} ${r.schemaErrors ?? ''}`),
  };
}

const guests = (w: World) =>
  Object.entries(w.sim.state.vms)
    .filter(([, vm]) => vm.config.template !== '1')
    .map(([id, vm]) => ({ id: Number(id), node: vm.node, cores: vm.config.cores }));
const guestVolumes = (w: World) =>
  Object.values(w.sim.state.volumes)
    .filter((v) => (v.vmid ?? 0) < 9000)
    .map((v) => `${v.storage}:${v.volname}`);

describe('deploy on one node', () => {
  it(
    'apply, unchanged re-plan, in-place update, destroy: every request valid, state encrypted',
    async () => {
      const w = await open();
      const first = await run(w, 'apply', { vm_count: 2 });
      expect(first).toMatchObject({ applied: true, changes: { add: 2, change: 0, remove: 0 } });
      expect(guests(w).map((g) => [g.node, g.cores])).toEqual([
        ['pve', '1'],
        ['pve', '1'],
      ]);
      const outputs = first.outputs.vms?.value as Record<string, { ipv4: string[][] }>;
      expect(Object.keys(outputs).sort()).toEqual(['fixture-1', 'fixture-2']);

      const before = (await w.requests()).length;
      const again = await run(w, 'plan', { vm_count: 2 });
      expect(again).toMatchObject({ changed: false, applied: false });
      const replan = (await w.requests()).slice(before);
      expect(replan.filter((r) => MUTATING_METHODS.has(r.method))).toEqual([]);

      // An unchanged apply changes nothing and still hands back the outputs (the second `./infra up`).
      const noop = await run(w, 'apply', { vm_count: 2 });
      expect(noop).toMatchObject({ changed: false, applied: false });
      expect(Object.keys(noop.outputs.vms?.value as Record<string, unknown>).sort()).toEqual([
        'fixture-1',
        'fixture-2',
      ]);
      expect((await w.requests()).slice(before).filter((r) => MUTATING_METHODS.has(r.method))).toEqual([]);

      const updated = await run(w, 'apply', { vm_count: 2, cores: 2 });
      expect(updated.changes).toMatchObject({ add: 0, change: 2, remove: 0 });
      expect(guests(w).map((g) => g.cores)).toEqual(['2', '2']);

      // The state on disk is ciphertext: neither the token nor the passphrase nor any VM detail is readable.
      const stateFile = join(w.dir, '.infra', 'tofu', 'test', 'terraform.tfstate');
      const state = await readFile(stateFile, 'utf8');
      expect(JSON.parse(state)).toHaveProperty('encrypted_data');
      for (const needle of [w.secrets.proxmox.tokenSecret, w.secrets.tofu!.statePassphrase, 'fixture-1'])
        expect(state).not.toContain(needle);
      const infraFiles = await readdir(join(w.dir, '.infra'), { recursive: true });
      for (const file of infraFiles.filter((f) => !f.includes('providers'))) {
        const text = await readFile(join(w.dir, '.infra', file), 'utf8').catch(() => '');
        expect(text.includes(w.secrets.proxmox.tokenSecret), file).toBe(false);
        expect(text.includes(w.secrets.tofu!.statePassphrase), file).toBe(false);
      }

      const gone = await run(w, 'destroy', { vm_count: 2, cores: 2 });
      expect(gone.changes).toMatchObject({ remove: 2 });
      expect(guests(w)).toEqual([]);
      expect(guestVolumes(w)).toEqual([]);

      const { requests, broken } = await contract(w);
      expect(broken).toEqual([]);
      expect(requests.length).toBeGreaterThan(20);

      // A state written without encryption is refused.
      await writeFile(
        stateFile,
        JSON.stringify({
          version: 4,
          terraform_version: '1.12.6',
          serial: 9,
          lineage: 'x',
          outputs: {},
          resources: [],
        }),
      );
      const refused = await run(w, 'plan').catch((e: unknown) => e);
      expect(isInfraError(refused) && refused.code).toBe('DEPLOY_STATE_ENCRYPTION');
    },
    TIMEOUT,
  );
});

describe('deploy on a three-node cluster', () => {
  it(
    'spreads VMs over the nodes from one template on shared Ceph RBD storage, then removes them all',
    async () => {
      const w = await open({
        nodes: ['pve1', 'pve2', 'pve3'],
        templateStorage: 'ceph-rbd',
        // VM disks on node-local LVM: the provider moves each linked clone's disk off the shared template.
        environment: { node: 'pve1', disks: 'local-lvm' },
      });
      const applied = await run(w, 'apply', { vm_count: 3, spread: true, started: false });
      expect(applied.changes).toMatchObject({ add: 3 });
      expect(
        guests(w)
          .map((g) => g.node)
          .sort(),
      ).toEqual(['pve1', 'pve2', 'pve3']);
      expect((await run(w, 'plan', { vm_count: 3, spread: true, started: false })).changed).toBe(false);
      await run(w, 'destroy', { vm_count: 3, spread: true, started: false });
      expect(guests(w)).toEqual([]);
      expect(guestVolumes(w)).toEqual([]);
      expect((await contract(w)).broken).toEqual([]);
    },
    TIMEOUT,
  );
});

describe('bad input: one clear error, no VM left behind', () => {
  const failure = async (options: WorldOptions, request: Partial<DeployRequest> = {}) => {
    const w = await open(options);
    const error = await deployEnvironment({
      environment: w.environment,
      action: 'apply',
      rootDir: w.rootDir,
      templates: wanted,
      yes: true,
      env: w.env,
      ...request,
    }).catch((e: unknown) => e);
    expect(guests(w)).toEqual([]);
    if (!isInfraError(error)) throw error;
    return error;
  };

  it(
    'an unknown template fingerprint, a missing node, a storage without images, a wrong token',
    async () => {
      const unknown = await failure(
        {},
        {
          templates: {
            base: {
              tag: 'fp-ffffffffffffffffffffffff',
              source: 'infra.config.yaml: environments.test.talos',
              build: 'nx run talos:build-image',
            },
          },
        },
      );
      expect(unknown.code).toBe('DEPLOY_TEMPLATE_NOT_FOUND');
      expect(unknown.message).toContain('fp-ffffffffffffffffffffffff');
      expect(unknown.message).toContain('infra.config.yaml: environments.test.talos');
      await reset();

      const node = await failure({ environment: { node: 'pve9' } });
      expect(node.code).toBe('DEPLOY_NODE_NOT_FOUND');
      expect(node.message).toContain('infra.config.yaml: environments.test: proxmox.node: "pve9"');
      await reset();

      const storage = await failure({ environment: { disks: 'local' } });
      expect(storage.code).toBe('DEPLOY_STORAGE_NO_IMAGES');
      expect(storage.message).toContain('proxmox.storage.disks: storage "local"');
      await reset();

      const token = await failure({
        secrets: (s) => ({
          ...s,
          proxmox: { ...s.proxmox, tokenSecret: '00000000-0000-4000-8000-000000000000' },
        }),
      });
      expect(token.code).toBe('DEPLOY_AUTH_FAILED');
      expect(token.message).toContain('secrets/test.enc.yaml: proxmox.tokenId / proxmox.tokenSecret');
    },
    TIMEOUT,
  );
});
