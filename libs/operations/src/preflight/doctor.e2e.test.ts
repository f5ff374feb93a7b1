import { join } from 'node:path';
import { runProcess } from '@infra/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestHost, REPO_ROOT, type TestHost } from '../testing/host';
import { type DoctorReport, runDoctor } from './doctor';

const hosts: TestHost[] = [];
afterEach(async () => {
  for (const host of hosts.splice(0)) await host.close();
});
async function host(options: Parameters<typeof createTestHost>[0] = {}) {
  const created = await createTestHost(options);
  hosts.push(created);
  return created;
}
const finding = (report: DoctorReport, check: string) => {
  const found = report.findings.find((f) => f.check === check);
  if (!found) throw new Error(`no finding ${check} in ${JSON.stringify(report.findings)}`);
  return found;
};
/** A host set up as the README says: import content on `local`, the GPU mapped on the first node. */
async function setUp(h: TestHost, node = 'pve') {
  await h.api('PUT', '/storage/local', { content: 'iso,vztmpl,backup,snippets,import' });
  await h.api('POST', '/cluster/mapping/pci', {
    id: 'rtx4000ada',
    description: 'RTX 4000 Ada',
    map: [`node=${node},path=0000:01:00.0,id=10de:27b2,subsystem-id=10de:181b,iommugroup=14`],
  });
}

describe('doctor (runDoctor against the simulator as a real endpoint)', () => {
  it('passes on a multi-node host set up as the README says', { timeout: 60_000 }, async () => {
    const h = await host({ nodes: ['pve1', 'pve2', 'pve3'] });
    await setUp(h, 'pve1');
    const report = await runDoctor({ environment: h.environment, env: h.env });
    expect(report.findings.filter((f) => f.status !== 'ok')).toEqual([]);
    expect(report.ok).toBe(true);
    expect(finding(report, 'node').message).toContain('pve1');
  });

  it("a multi-node host: the fixes name the configured node and keep the other nodes' mapping entries", {
    timeout: 90_000,
  }, async () => {
    // proxmox.node is the first node (pve2); the mapping has an entry for pve1 only; no import content.
    const h = await host({ nodes: ['pve2', 'pve1', 'pve3'] });
    const pve1 = 'node=pve1,path=0000:01:00.0,id=10de:27b2,subsystem-id=10de:181b,iommugroup=14';
    await h.api('POST', '/cluster/mapping/pci', {
      id: 'rtx4000ada',
      description: 'RTX 4000 Ada',
      map: [pve1],
    });
    const report = await runDoctor({ environment: h.environment, env: h.env });
    expect(report.ok).toBe(false);
    expect(finding(report, 'node').message).toBe('node pve2 is online');
    const gpu = finding(report, 'gpu-mapping');
    expect(gpu.status).toBe('fail');
    expect(gpu.fix).toBe(
      `pvesh set /cluster/mapping/pci/rtx4000ada --map ${pve1} --map node=pve2,path=0000:01:00.0,id=10de:27b2,subsystem-id=10de:181b,iommugroup=14`,
    );
    expect(finding(report, 'storage local: import').fix).toBe(
      'pvesm set local --content iso,vztmpl,backup,snippets,import',
    );
    // The script prints each fix under its failure.
    const run = await runProcess(
      join(REPO_ROOT, 'node_modules/.bin/tsx'),
      [join(REPO_ROOT, 'scripts/doctor.ts'), '-e', 'test'],
      {
        cwd: h.dir,
        env: { HOME: h.env.HOME, SOPS_AGE_KEY_FILE: h.env.SOPS_AGE_KEY_FILE },
        timeoutMs: 60_000,
      },
    );
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain(`fix: ${gpu.fix}`);
    expect(run.stdout).toContain('fix: pvesm set local --content iso,vztmpl,backup,snippets,import');
  });

  it('names each missing privilege per stage with the pveum commands that grant it', {
    timeout: 60_000,
  }, async () => {
    const h = await host({
      acl: [
        { path: '/', roleid: 'PVEAuditor' },
        { path: '/vms', roleid: 'PVEVMAdmin' },
        { path: '/storage', roleid: 'PVEDatastoreAdmin' },
      ],
    });
    await setUp(h);
    const report = await runDoctor({ environment: h.environment, env: h.env });
    expect(report.ok).toBe(false);
    const build = finding(report, 'privileges: build-image');
    expect(build.status).toBe('fail');
    // download-url needs Sys.Modify on / (or Sys.AccessNetwork on the node); create_vm needs SDN.Use.
    expect(build.message).toContain('Sys.Modify on /');
    expect(build.message).toContain('SDN.Use on /sdn/zones/localnetwork/vmbr0');
    expect(build.fix).toBe(
      "pveum role add InfraBuildImage --privs \"SDN.Use,Sys.Modify\" && pveum acl modify / --tokens 'infra@pve!ops' --roles InfraBuildImage && pveum acl modify /sdn/zones/localnetwork/vmbr0 --tokens 'infra@pve!ops' --roles InfraBuildImage",
    );
    expect(finding(report, 'privileges: gpu-map').fix).toContain('Mapping.Modify');
    expect(finding(report, 'privileges: deploy').message).toContain('SDN.Use');
  });

  it('reports a missing bridge, storage content and foreign VMs in the VMID range with fixes', {
    timeout: 60_000,
  }, async () => {
    const h = await host({ environmentYaml: ['      bridge: vmbr9'] });
    await h.api('POST', '/cluster/mapping/pci', {
      id: 'rtx4000ada',
      description: 'RTX 4000 Ada',
      map: ['node=pve,path=0000:01:00.0,id=10de:27b2,subsystem-id=10de:181b,iommugroup=14'],
    });
    await h.api('POST', '/nodes/pve/qemu', { vmid: 9050, name: 'hand-made', tags: 'mine' });
    const report = await runDoctor({ environment: h.environment, env: h.env });
    expect(finding(report, 'bridge')).toMatchObject({ status: 'fail' });
    expect(finding(report, 'bridge').message).toContain(
      'proxmox.bridge: bridge "vmbr9" does not exist on node pve (bridges: vmbr0)',
    );
    expect(finding(report, 'storage local: import').fix).toBe(
      'pvesm set local --content iso,vztmpl,backup,snippets,import',
    );
    expect(finding(report, 'vmid-range').message).toContain('9050 (hand-made on pve)');
    expect(finding(report, 'gpu-mapping').status).toBe('ok');
  });

  it('reports a GPU mapping that points at a device the node does not have', {
    timeout: 60_000,
  }, async () => {
    const h = await host();
    await h.api('PUT', '/storage/local', { content: 'iso,vztmpl,backup,snippets,import' });
    await h.api('POST', '/cluster/mapping/pci', {
      id: 'rtx4000ada',
      description: 'RTX 4000 Ada',
      map: ['node=pve,path=0000:07:00.0,id=10de:27b2'],
    });
    const gpu = finding(await runDoctor({ environment: h.environment, env: h.env }), 'gpu-mapping');
    expect(gpu.status).toBe('fail');
    expect(gpu.fix).toBe(
      'pvesh set /cluster/mapping/pci/rtx4000ada --map node=pve,path=0000:01:00.0,id=10de:27b2,subsystem-id=10de:181b,iommugroup=14',
    );
  });

  it('an unreachable host and a wrong certificate are one finding each, with the fix', {
    timeout: 60_000,
  }, async () => {
    const closed = await host({ endpoint: () => 'https://127.0.0.1:9' });
    const unreachable = await runDoctor({ environment: closed.environment, env: closed.env });
    expect(unreachable.ok).toBe(false);
    expect(unreachable.findings).toHaveLength(1);
    expect(unreachable.findings[0]!.fix).toBe(
      'ssh root@127.0.0.1 systemctl restart pveproxy   # pveproxy serves the API; check from here with: curl -skv https://127.0.0.1:9/api2/json/version',
    );

    const wrongPin = await host({ environmentYaml: [] });
    wrongPin.environment.proxmox.tls = { fingerprint: Array(32).fill('AB').join(':') };
    const tls = await runDoctor({ environment: wrongPin.environment, env: wrongPin.env });
    expect(tls.findings[0]!.check).toBe('endpoint');
    expect(tls.findings[0]!.message).toMatch(/fingerprint/i);
    expect(tls.findings[0]!.fix).toContain('pvenode cert info');
  });

  it('scripts/doctor.ts prints JSON and exits 1 on a failed check, 2 on a bad option', {
    timeout: 90_000,
  }, async () => {
    const h = await host();
    const tsx = join(REPO_ROOT, 'node_modules/.bin/tsx');
    const script = join(REPO_ROOT, 'scripts/doctor.ts');
    const env = { HOME: h.env.HOME, SOPS_AGE_KEY_FILE: h.env.SOPS_AGE_KEY_FILE };
    const run = await runProcess(tsx, [script, '-e', 'test', '--json'], {
      cwd: h.dir,
      env,
      timeoutMs: 60_000,
    });
    expect(run.exitCode).toBe(1);
    const report = JSON.parse(run.stdout) as DoctorReport;
    expect(finding(report, 'storage local: import').status).toBe('fail');
    expect(run.stdout).not.toContain('5f0c7d2e-8a41');
    const bad = await runProcess(tsx, [script, '--frobnicate'], { cwd: h.dir, env, timeoutMs: 60_000 });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('usage');
  });
});
