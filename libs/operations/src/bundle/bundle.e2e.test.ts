import { generateKeyPairSync } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { runProcess } from '@infra/core';
import { defaultCacheDir } from '@infra/toolchain';
import { x } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeGpuFacts } from '../testing/gpu-facts';
import { createTestHost, REPO_ROOT, type TestHost, TOKEN_SECRET } from '../testing/host';
import type { BundleManifest } from './bundle';

/**
 * The diagnostics bundle's leak test: identifiers and secrets are planted in the simulator (node name, a VM's
 * MAC, serial and description), the config (cluster IPs, the GPU host's ssh user and domain), the secrets
 * (token id and secret, admin user name) and the logs under .infra/ (an age key, a PEM key, base64 and
 * JSON-escaped forms, an IPv6 address); `scripts/doctor.ts --bundle` runs as a user would run it; the archive
 * is unpacked and every planted value is searched for in every file, in every form. 0 hits, and the
 * pseudonyms agree across files.
 */
const NODE = 'ms-a2-basement';
const TOKEN = { id: 'kathrin@pve!diag7', secret: 'c3d9a0e1-5b7f-4a2c-9e11-7f3b2d8c6a04' };
const USER = 'kathrin';
const DOMAIN = 'homelab-kathrin.de';
const GPU_HOST = `pve7.${DOMAIN}`;
const MAC = 'BC:24:11:5E:A1:07';
const SERIAL = 'MSA2SN0042XY';
const IPV4 = '10.23.45.67';
const GATEWAY = '10.23.45.1';
const IPV6 = '2001:db8:4a:17::7';
const PEM = generateKeyPairSync('ed25519')
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString()
  .trim();

let h: TestHost;
let unpacked: string;
let files: Record<string, string>;
let manifest: BundleManifest;
let run: Awaited<ReturnType<typeof runProcess>>;
let ageKey: string;

beforeAll(async () => {
  h = await createTestHost({
    nodes: [NODE],
    token: TOKEN,
    adminUsername: USER,
    environmentYaml: [
      '    gpu:',
      `      host: { ssh: "${USER}@${GPU_HOST}" }`,
      '    cluster:',
      `      network: { prefixLength: 24, gateway: ${GATEWAY}, dnsServers: [${GATEWAY}] }`,
      '      nodes:',
      `        cp-1: { ip: ${IPV4} }`,
    ],
  });
  await h.api('POST', `/nodes/${NODE}/qemu`, {
    vmid: 9050,
    name: 'hand-made',
    net0: `virtio=${MAC},bridge=vmbr0`,
    smbios1: `serial=${SERIAL}`,
    description: `owner ${USER}@${DOMAIN}, reachable at ${IPV4}`,
  });
  ageKey = (await readFile(join(h.dir, 'keys', 'age.txt'), 'utf8')).match(/AGE-SECRET-KEY-1[0-9A-Z]+/)![0];
  await mkdir(join(h.dir, '.infra', 'logs'), { recursive: true });
  await writeFile(
    join(h.dir, '.infra', 'logs', 'last-run.log'),
    [
      `10:00:01 connecting to https://${GPU_HOST}:8006 as ${TOKEN.id}`,
      `10:00:02 node ${NODE} answered from ${IPV6} (mac ${MAC.toLowerCase()})`,
      `10:00:03 Authorization: PVEAPIToken=${TOKEN.id}=${TOKEN.secret}`,
      `10:00:04 debug token (base64) ${Buffer.from(TOKEN.secret).toString('base64')} host ${Buffer.from(NODE).toString('base64')}`,
      `10:00:05 key ${ageKey}`,
      `10:00:06 ${JSON.stringify({ key: PEM, user: USER, serial: SERIAL })}`,
      PEM,
      `10:00:07 Serial Number: ${SERIAL} in /home/${USER}/infra`,
      '',
    ].join('\n'),
  );
  await mkdir(join(h.dir, '.infra', 'workflows', 'test'), { recursive: true });
  await writeFile(
    join(h.dir, '.infra', 'workflows', 'test', 'up.json'),
    JSON.stringify({
      version: 1,
      workflow: 'up',
      environment: 'test',
      updatedAt: '2026-12-03T10:00:00.000Z',
      steps: {
        deploy: {
          status: 'failed',
          fingerprint: 'ab12',
          startedAt: '2026-12-03T10:00:00.000Z',
          error: { code: 'PVE_UNREACHABLE', message: `${IPV4}:8006 refused the connection on ${NODE}` },
        },
      },
    }),
  );
  await writeGpuFacts(
    join(h.dir, 'facts'),
    `Dec 03 09:59:59 ${NODE} kernel: AMD-Vi: Interrupt remapping enabled\n`,
  );

  run = await runProcess(
    join(REPO_ROOT, 'node_modules/.bin/tsx'),
    [
      join(REPO_ROOT, 'scripts/doctor.ts'),
      '-e',
      'test',
      '--bundle',
      'out/diag.tar.gz',
      '--facts',
      'facts',
      '--json',
    ],
    {
      cwd: h.dir,
      env: {
        HOME: h.env.HOME,
        SOPS_AGE_KEY_FILE: h.env.SOPS_AGE_KEY_FILE,
        INFRA_CACHE_DIR: defaultCacheDir(),
      },
      timeoutMs: 120_000,
    },
  );
  unpacked = await mkdtemp(join(tmpdir(), 'infra-bundle-test-'));
  await x({ file: join(h.dir, 'out', 'diag.tar.gz'), cwd: unpacked });
  files = {};
  for (const entry of await readdir(unpacked, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files[relative(join(unpacked, 'infra-diagnostics'), path)] = await readFile(path, 'utf8');
  }
  manifest = JSON.parse(files['manifest.json']!) as BundleManifest;
}, 180_000);

afterAll(async () => {
  await h?.close();
  if (unpacked) await rm(unpacked, { recursive: true, force: true });
});

/** Every form a planted value can take in what was collected. */
function forms(value: string): string[] {
  const all = new Set([value, JSON.stringify(value).slice(1, -1), Buffer.from(value).toString('base64')]);
  // A PEM's body lines are secrets of their own (a tool may print one line at a time).
  for (const line of value.split('\n')) if (line.length >= 16 && !line.startsWith('-----')) all.add(line);
  return [...all];
}

describe('doctor.ts --bundle: the anonymised diagnostics bundle', () => {
  it('is written 0600 with the items the manifest lists, and the doctor result on stdout', async () => {
    expect(run.stderr).not.toContain('error:');
    expect(run.exitCode).toBe(1); // the doctor fails (no import content, no GPU mapping); the bundle is still written
    expect(((await stat(join(h.dir, 'out', 'diag.tar.gz'))).mode & 0o777).toString(8)).toBe('600');
    expect((await readdir(join(h.dir, 'out'))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const paths = manifest.items.map((i) => i.path);
    for (const path of [
      'config.json',
      'doctor.json',
      'doctor.txt',
      'inventory.json',
      'versions.json',
      'gpu-plan.json',
    ])
      expect(paths).toContain(path);
    expect(paths).toContain('logs/logs/last-run.log');
    expect(paths).toContain('runs/up.json');
    expect(paths).toContain('gpu-facts/lspci-nnk.txt');
    expect(Object.keys(files).sort()).toEqual([...paths, 'manifest.json'].sort());
    expect(manifest.skipped.map((s) => s.path)).toEqual(['tofu-plan.json']);
    expect(manifest.skipped[0]!.reason).toContain('no tofu state');
    for (const kind of [
      'secret',
      'pem',
      'token-id',
      'user',
      'hostname',
      'domain',
      'ip',
      'mac',
      'serial',
    ] as const)
      expect(manifest.redacted[kind], kind).toBeGreaterThan(0);
    const printed = JSON.parse(run.stdout) as { ok: boolean; bundle: { manifest: BundleManifest } };
    expect(printed.ok).toBe(false);
    expect(printed.bundle.manifest.items.length).toBe(manifest.items.length);
    const versions = JSON.parse(files['versions.json']!) as { proxmox: { version: string }; talos: string };
    expect(versions.proxmox.version).toMatch(/^9\./);
    expect(versions.talos).toMatch(/^v1\./);
  });

  it('contains none of the planted secrets and identifiers, in any form', () => {
    const planted: Record<string, string> = {
      'token secret': TOKEN.secret,
      'token id': TOKEN.id,
      'user name': USER,
      hostname: NODE,
      'ssh host': GPU_HOST,
      domain: DOMAIN,
      ipv4: IPV4,
      gateway: GATEWAY,
      ipv6: IPV6,
      mac: MAC,
      'mac (lowercase)': MAC.toLowerCase(),
      serial: SERIAL,
      'age key': ageKey,
      pem: PEM,
      fingerprint: h.sim.fingerprint,
      'repository path': h.dir,
    };
    const hits: string[] = [];
    for (const [label, value] of Object.entries(planted))
      for (const form of forms(value))
        for (const [file, text] of Object.entries(files))
          if (text.toLowerCase().includes(form.toLowerCase()))
            hits.push(`${label} (${form.slice(0, 24)}) in ${file}`);
    expect(hits).toEqual([]);
    expect(run.stdout.includes(TOKEN.secret) || run.stderr.includes(TOKEN.secret)).toBe(false);
  });

  it('gives each value one pseudonym across files', () => {
    const inventory = JSON.parse(files['inventory.json']!) as {
      nodes: Array<{ node: string }>;
      vmConfigs: Record<string, { net0: string; description: string }>;
    };
    const host = inventory.nodes[0]!.node;
    expect(host).toMatch(/^host-\d+$/);
    const log = files['logs/logs/last-run.log']!;
    expect(log).toContain(`node ${host} answered`);
    expect(files['gpu-facts/kernel-log.txt']).toContain(` ${host} kernel:`);
    const config = JSON.parse(files['config.json']!) as {
      proxmox: { node: string };
      cluster: { nodes: { 'cp-1': { ip: string } } };
      gpu: { host: { ssh: string } };
    };
    expect(config.proxmox.node).toBe(host);
    const ip = config.cluster.nodes['cp-1'].ip;
    expect(ip).toMatch(/^ip-\d+$/);
    expect(inventory.vmConfigs['9050']!.description).toContain(`reachable at ${ip}`);
    const mac = /virtio=(mac-\d+)/.exec(inventory.vmConfigs['9050']!.net0)![1]!;
    expect(log).toContain(`(mac ${mac})`);
    const [user, sshHost] = config.gpu.host.ssh.split('@') as [string, string];
    expect(user).toMatch(/^user-\d+$/);
    expect(log).toContain(`https://${sshHost}:8006 as ${user}@pve!token-`);
    expect(log).toContain(`/home/${user}/infra`);
    expect(log).toContain('[pem block removed]');
    const run = JSON.parse(files['runs/up.json']!) as {
      steps: { deploy: { error: { message: string } } };
    };
    expect(run.steps.deploy.error.message).toBe(`${ip}:8006 refused the connection on ${host}`);
    const serial = /Serial Number: (serial-\d+)/.exec(log)![1];
    expect(JSON.stringify(inventory.vmConfigs['9050'])).toContain(`serial=${serial}`);
  });
});

describe('doctor.ts --bundle with tofu state: the plan summary of the deployed environment', () => {
  it('runs the real tofu plan (no changes after an apply) and still leaks nothing', {
    timeout: 600_000,
  }, async () => {
    const d = await createTestHost({ environmentYaml: ['    talos:', '      factory: embedded'] });
    try {
      await d.api('PUT', '/storage/local', { content: 'iso,vztmpl,backup,snippets,import' });
      await cp(join(REPO_ROOT, 'talos'), join(d.dir, 'talos'), { recursive: true });
      await cp(join(REPO_ROOT, 'terraform/modules'), join(d.dir, 'terraform/modules'), { recursive: true });
      await cp(join(REPO_ROOT, 'terraform/environments/local'), join(d.dir, 'terraform/environments/test'), {
        recursive: true,
      });
      const env = {
        HOME: d.env.HOME,
        SOPS_AGE_KEY_FILE: d.env.SOPS_AGE_KEY_FILE,
        INFRA_CACHE_DIR: defaultCacheDir(),
      };
      const script = async (name: string, args: string[]) => {
        const result = await runProcess(
          join(REPO_ROOT, 'node_modules/.bin/tsx'),
          [join(REPO_ROOT, 'scripts', name), ...args],
          { cwd: d.dir, env, timeoutMs: 300_000 },
        );
        return result;
      };
      const build = await script('build-image.ts', ['--os', 'talos', '-e', 'test']);
      expect(build.exitCode, build.stderr).toBe(0);
      const apply = await script('deploy.ts', ['apply', '-e', 'test', '--yes']);
      expect(apply.exitCode, apply.stderr).toBe(0);
      const guests = Object.values(d.sim.state.vms).filter((vm) => vm.config.template !== '1');
      expect(guests).toHaveLength(1);

      const bundled = await script('doctor.ts', ['-e', 'test', '--bundle', 'diag.tar.gz']);
      expect(bundled.stderr).not.toContain('error:');
      const out = await mkdtemp(join(tmpdir(), 'infra-bundle-state-'));
      try {
        await x({ file: join(d.dir, 'diag.tar.gz'), cwd: out });
        const root = join(out, 'infra-diagnostics');
        const plan = JSON.parse(await readFile(join(root, 'tofu-plan.json'), 'utf8')) as {
          rootDir: string;
          changed: boolean;
          summary: string;
          changes: { add: number; change: number; remove: number };
        };
        expect(plan).toMatchObject({
          rootDir: 'terraform/environments/test',
          changed: false,
          summary: 'no changes',
        });
        const manifest = JSON.parse(await readFile(join(root, 'manifest.json'), 'utf8')) as BundleManifest;
        expect(manifest.items.map((i) => i.path)).toContain('tofu-plan.json');
        expect(manifest.skipped.map((s) => s.path)).not.toContain('tofu-plan.json');
        // The plan ran against the deployed VM: nothing was added or removed by collecting the bundle.
        expect(Object.values(d.sim.state.vms).filter((vm) => vm.config.template !== '1')).toHaveLength(1);
        const texts: string[] = [];
        for (const entry of await readdir(root, { withFileTypes: true, recursive: true }))
          if (entry.isFile()) texts.push(await readFile(join(entry.parentPath, entry.name), 'utf8'));
        for (const secret of [TOKEN_SECRET, 'correct-horse-battery-staple-42', d.dir])
          for (const form of forms(secret))
            expect(
              texts.some((t) => t.includes(form)),
              form,
            ).toBe(false);
      } finally {
        await rm(out, { recursive: true, force: true });
      }
    } finally {
      await d.close();
    }
  });
});
