import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProxmoxClient } from '@infra/proxmox-client';
import { type Simulator, startSimulator } from '@infra/pve-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAPPING_DESCRIPTION, syncGpuMapping } from './sync-mapping';

const MAPPER = { tokenId: 'infra@pve!map', secret: randomUUID() };
const VM_USER = { tokenId: 'vmuser@pve!ci', secret: randomUUID() };
const SELECTOR = { vendor: '10de', class: '03' };

let stateDir: string;
let sim: Simulator;
const clients: ProxmoxClient[] = [];
const client = (token: { tokenId: string; secret: string }) => {
  const made = new ProxmoxClient({
    endpoint: sim.url,
    auth: { type: 'token', ...token },
    tls: { fingerprint: sim.fingerprint },
    retry: { baseDelayMs: 5, maxDelayMs: 50 },
  });
  clients.push(made);
  return made;
};

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'infra-gpu-map-'));
  sim = await startSimulator({
    stateDir,
    seed: 6,
    timing: { taskMs: 20 },
    accounts: {
      users: [{ userid: 'infra@pve' }, { userid: 'vmuser@pve' }],
      tokens: [
        { id: MAPPER.tokenId, secret: MAPPER.secret, privsep: false },
        { id: VM_USER.tokenId, secret: VM_USER.secret, privsep: false },
      ],
      acl: [
        // The mapper may read the hardware and manage mappings; the VM user may only use this one mapping.
        { path: '/', roleid: 'PVEAuditor', ugid: 'infra@pve', type: 'user' },
        { path: '/mapping/pci', roleid: 'PVEMappingAdmin', ugid: 'infra@pve', type: 'user' },
        { path: '/vms', roleid: 'PVEVMAdmin', ugid: 'vmuser@pve', type: 'user' },
        { path: '/mapping/pci/rtx4000ada', roleid: 'PVEMappingUser', ugid: 'vmuser@pve', type: 'user' },
      ],
    },
  });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sim?.stop();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

describe('syncGpuMapping against the Proxmox simulator', () => {
  it('creates the mapping from the node inventory, then is idempotent', async () => {
    const api = client(MAPPER);
    const created = await syncGpuMapping(api, {
      node: 'pve',
      name: 'rtx4000ada',
      selector: SELECTOR,
      description: 'RTX 4000 Ada',
    });
    expect(created).toEqual({
      action: 'create',
      name: 'rtx4000ada',
      entry: 'node=pve,path=0000:01:00,id=10de:27b2,iommugroup=14,subsystem-id=10de:181b',
      warnings: [],
    });
    const mapping = await api.pciMapping('rtx4000ada');
    expect(mapping.map).toEqual([
      'node=pve,path=0000:01:00,id=10de:27b2,iommugroup=14,subsystem-id=10de:181b',
    ]);
    expect((await syncGpuMapping(api, { node: 'pve', name: 'rtx4000ada', selector: SELECTOR })).action).toBe(
      'none',
    );
  });

  it('gives a mapping made without a description the default one, so the mapping list stays readable', async () => {
    const api = client(MAPPER);
    await syncGpuMapping(api, { node: 'pve', name: 'gpu-default-description', selector: SELECTOR });
    const listed = (await api.pciMappings()).find((m) => m.id === 'gpu-default-description');
    expect(listed?.description).toBe(DEFAULT_MAPPING_DESCRIPTION);
  });

  it('repairs a stale entry with an update that carries the digest, keeping other nodes', async () => {
    const api = client(MAPPER);
    const { digest } = await api.pciMapping('rtx4000ada');
    const otherNode = 'node=pve2,path=0000:41:00,id=10de:27b2,iommugroup=3';
    await api.updatePciMapping('rtx4000ada', {
      map: [otherNode, 'node=pve,path=0000:01:00,id=10de:27b2,iommugroup=99'],
      digest: digest!,
    });
    const repaired = await syncGpuMapping(api, { node: 'pve', name: 'rtx4000ada', selector: SELECTOR });
    expect(repaired.action).toBe('update');
    expect((await api.pciMapping('rtx4000ada')).map).toEqual([otherNode, repaired.entry]);
    // restore the single-node mapping for the next test
    const again = await api.pciMapping('rtx4000ada');
    await api.updatePciMapping('rtx4000ada', { map: [repaired.entry], digest: again.digest! });
  });

  it('a VM attaches the GPU by mapping with a token (a raw host= device is refused for tokens)', async () => {
    const vmApi = client(VM_USER);
    await vmApi.createVm('pve', {
      vmid: 150,
      name: 'talos-gpu',
      machine: 'q35',
      bios: 'ovmf',
      memory: '4096',
      cores: 2,
      hostpci0: 'mapping=rtx4000ada,pcie=1',
    });
    expect((await vmApi.vmConfig('pve', 150)).hostpci0).toBe('mapping=rtx4000ada,pcie=1');
    const started = await vmApi.startVm('pve', 150);
    expect(started.exitstatus).toBe('OK');
    expect((await vmApi.vmStatus('pve', 150)).status).toBe('running');
    await expect(vmApi.updateVmConfig('pve', 150, { hostpci1: 'host=0000:01:00.0,pcie=1' })).rejects.toThrow(
      /only root can set 'hostpci1'/,
    );
  });
});
