import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterEach, describe, expect, it } from 'vitest';
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
    env: { PATH: process.env.PATH ?? '', HOME: h.env.HOME!, SOPS_AGE_KEY_FILE: h.env.SOPS_AGE_KEY_FILE! },
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
    expect(tools).toEqual(['apply', 'build_image', 'describe_config', 'doctor', 'drift', 'list_templates']);

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
    for (const out of [config, doctor, drift, JSON.stringify(resource)])
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
