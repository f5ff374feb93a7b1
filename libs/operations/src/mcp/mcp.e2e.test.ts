import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultCacheDir } from '@infra/toolchain';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterEach, describe, expect, it } from 'vitest';
import { writeGpuFacts } from '../testing/gpu-facts';
import { createTestHost, REPO_ROOT, type TestHost, TOKEN_SECRET } from '../testing/host';

const hosts: TestHost[] = [];
const clients: Client[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
  for (const host of hosts.splice(0)) await host.close();
});

async function connect(h: TestHost, args: string[] = []) {
  const transport = new StdioClientTransport({
    command: join(REPO_ROOT, 'node_modules/.bin/tsx'),
    args: [join(REPO_ROOT, 'scripts/mcp.ts'), '-e', 'test', ...args],
    cwd: h.dir,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: h.env.HOME!,
      SOPS_AGE_KEY_FILE: h.env.SOPS_AGE_KEY_FILE!,
      // The pinned toolchain (tofu and the providers of the plan tool), not one under the test's HOME.
      INFRA_CACHE_DIR: defaultCacheDir(),
    },
    stderr: 'pipe',
  });
  const client = new Client({ name: 'infra-test', version: '0.0.0' });
  await client.connect(transport);
  clients.push(client);
  return client;
}
const textOf = (result: Awaited<ReturnType<Client['callTool']>>) =>
  (result.content as Array<{ type: string; text: string }>).map((c) => c.text).join('\n');

describe('scripts/mcp.ts over stdio with the SDK client, against the simulator', () => {
  it('lists the tools, answers the read-only ones, and never shows the token', {
    timeout: 120_000,
  }, async () => {
    const h = await createTestHost();
    hosts.push(h);
    await cp(join(REPO_ROOT, 'talos'), join(h.dir, 'talos'), { recursive: true });
    const client = await connect(h);
    const tools = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(tools).toEqual([
      'apply',
      'build_image',
      'describe_config',
      'doctor',
      'drift',
      'gpu_plan',
      'list_templates',
      'plan',
    ]);
    const resources = (await client.listResources()).resources.map((r) => r.uri).sort();
    expect(resources).toEqual(['infra://builds/test', 'infra://config/test']);

    const config = textOf(await client.callTool({ name: 'describe_config', arguments: {} }));
    expect(JSON.parse(config)).toMatchObject({ name: 'test', proxmox: { node: 'pve' } });
    const doctor = textOf(await client.callTool({ name: 'doctor', arguments: {} }));
    expect(doctor).toContain('privileges: build-image');
    expect(doctor).toContain('FAIL  gpu-mapping');
    const drift = textOf(await client.callTool({ name: 'drift', arguments: { env: 'test' } }));
    expect(drift).toContain('exit code 2');
    const templates = JSON.parse(textOf(await client.callTool({ name: 'list_templates', arguments: {} })));
    expect(templates.templates).toEqual([]);
    expect(templates.wantedTalos).toMatch(/^fp-[0-9a-f]+$/);
    const resource = await client.readResource({ uri: 'infra://config/test' });
    const shown = JSON.parse(String((resource.contents[0] as { text?: string }).text)) as {
      proxmox: { node: string };
    };
    expect(shown.proxmox.node).toBe('pve');
    await writeGpuFacts(
      join(h.dir, 'facts'),
      'Dec 03 09:59:59 pve kernel: AMD-Vi: Interrupt remapping enabled\n',
    );
    const gpu = textOf(await client.callTool({ name: 'gpu_plan', arguments: { facts: 'facts' } }));
    expect(gpu).toContain('GPU slot 0000:01:00, IOMMU group 14');
    expect(gpu).toContain('create /etc/modprobe.d/infra-vfio.conf');
    const unknown = await client.callTool({ name: 'describe_config', arguments: { env: 'nope' } });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toMatch(/nope.*\[CONFIG_[A-Z_]+\]/s);
    const missing = await client.callTool({ name: 'gpu_plan', arguments: { facts: 'no-such-dir' } });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toContain('lacks');
    const builds = await client.readResource({ uri: 'infra://builds/test' });
    expect(JSON.parse(String((builds.contents[0] as { text?: string }).text))).toEqual({ builds: [] });
    for (const out of [config, doctor, drift, gpu, JSON.stringify(resource), JSON.stringify(builds)])
      expect(out).not.toContain(TOKEN_SECRET);
  });

  it('refuses a mutating tool without --allow-mutations, and without confirm when allowed', {
    timeout: 120_000,
  }, async () => {
    const h = await createTestHost();
    hosts.push(h);
    const locked = await connect(h);
    const refused = await locked.callTool({ name: 'apply', arguments: { confirm: true } });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain('started without --allow-mutations');
    const open = await connect(h, ['--allow-mutations']);
    const unconfirmed = await open.callTool({ name: 'build_image', arguments: { os: 'talos' } });
    expect(unconfirmed.isError).toBe(true);
    expect(textOf(unconfirmed)).toContain('pass confirm: true');
    // Nothing was created: the refusals happen before any request reaches the host.
    expect(Object.keys(h.sim.state.vms)).toEqual([]);
  });
});

describe('scripts/mcp.ts: a confirmed build, its record, and the plan dry run (real tofu)', () => {
  it('builds with --allow-mutations and confirm, shows the build record, plans without applying', {
    timeout: 600_000,
  }, async () => {
    const h = await createTestHost({ environmentYaml: ['    talos:', '      factory: embedded'] });
    hosts.push(h);
    await h.api('PUT', '/storage/local', { content: 'iso,vztmpl,backup,snippets,import' });
    await cp(join(REPO_ROOT, 'talos'), join(h.dir, 'talos'), { recursive: true });
    await cp(join(REPO_ROOT, 'terraform/modules'), join(h.dir, 'terraform/modules'), { recursive: true });
    await cp(join(REPO_ROOT, 'terraform/environments/local'), join(h.dir, 'terraform/environments/test'), {
      recursive: true,
    });
    const client = await connect(h, ['--allow-mutations']);
    const wanted = JSON.parse(textOf(await client.callTool({ name: 'list_templates', arguments: {} })))
      .wantedTalos as string;

    const built = await client.callTool({ name: 'build_image', arguments: { os: 'talos', confirm: true } });
    expect(built.isError, textOf(built)).toBeFalsy();
    expect(JSON.parse(textOf(built))).toMatchObject({ status: 'built', os: 'talos' });

    const resource = await client.readResource({ uri: 'infra://builds/test' });
    const { builds } = JSON.parse(String((resource.contents[0] as { text?: string }).text)) as {
      builds: Array<{ os: string; stage: string; fingerprint: string; buildRun: string | null }>;
    };
    expect(builds).toHaveLength(1);
    expect(builds[0]).toMatchObject({ os: 'talos', stage: 'base' });
    expect(`fp-${builds[0]!.fingerprint}`.startsWith(wanted)).toBe(true);
    expect(builds[0]!.buildRun).toBe(JSON.parse(textOf(built)).runId);

    const vmsBefore = Object.keys(h.sim.state.vms).sort();
    const planned = await client.callTool({ name: 'plan', arguments: {} });
    expect(planned.isError, textOf(planned)).toBeFalsy();
    const plan = JSON.parse(textOf(planned)) as {
      changed: boolean;
      applied: boolean;
      changes: { add: number };
    };
    expect(plan).toMatchObject({ changed: true, applied: false });
    expect(plan.changes.add).toBeGreaterThan(0);
    // A dry run: the plan created nothing on the host.
    expect(Object.keys(h.sim.state.vms).sort()).toEqual(vmsBefore);
    for (const out of [textOf(built), textOf(planned), JSON.stringify(resource)])
      expect(out).not.toContain(TOKEN_SECRET);
  });
});
