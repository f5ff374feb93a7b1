/**
 * Runs the real, installed toolchain (what `./infra setup` leaves in $INFRA_CACHE_DIR): real version output,
 * offline `tofu init` through the generated CLI config (both providers), the Packer plugins, talosctl, helm
 * and kubeconform on the derived schemas, cloud-init's schema check, the CLI, and an idempotent second
 * install. When the toolchain is incomplete every test fails with doctor's list of what is missing (CI runs
 * `./infra setup` first): nothing is installed from here.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type DoctorReport, doctor } from './doctor';
import { toolchainEnv } from './env';
import { capture } from './exec';
import { installToolchain } from './install';
import { findRepoRoot, loadManifest } from './load';
import { cacheLayout } from './paths';

const root = findRepoRoot(import.meta.dirname);
const layout = cacheLayout();

const env = { ...process.env, ...toolchainEnv({ layout }) };
const run = (command: string, args: string[], cwd?: string) =>
  capture(command, args, { env, timeoutMs: 120_000, ...(cwd ? { cwd } : {}) });

describe('installed toolchain', () => {
  let pins: Map<string, string>;
  let incomplete: string | undefined;
  beforeAll(async () => {
    const { specs } = await loadManifest(root);
    pins = new Map(specs.map((s) => [s.id, s.version]));
    const report = await doctor({ root, layout });
    const bad = report.rows.filter((r) => !['ok', 'optional-missing', 'registry'].includes(r.status));
    if (bad.length > 0) {
      incomplete = `the toolchain in ${layout.toolsDir} is incomplete (${bad.map((r) => `${r.tool}: ${r.status}`).join(', ')}); run ./infra setup first`;
    }
  }, 300_000);
  beforeEach(() => {
    if (incomplete) throw new Error(incomplete);
  });

  it('each tool on the toolchain PATH reports its pinned version', async () => {
    const tofu = JSON.parse((await run('tofu', ['version', '-json'])).stdout) as {
      terraform_version: string;
    };
    expect(tofu.terraform_version).toBe(pins.get('opentofu'));
    expect((await run('packer', ['version'])).stdout).toContain(`Packer v${pins.get('packer')}`);
    expect((await run('sops', ['--version', '--disable-version-check'])).stdout).toContain(
      `sops ${pins.get('sops')}`,
    );
    expect((await run('age', ['--version'])).stdout.trim()).toBe(`v${pins.get('age')}`);
    expect((await run('age-keygen', ['--version'])).stdout.trim()).toBe(`v${pins.get('age')}`);
    expect((await run('tflint', ['--version'])).stdout).toContain(`TFLint version ${pins.get('tflint')}`);
    expect((await run('terraform-docs', ['--version'])).stdout).toContain(`v${pins.get('terraform-docs')}`);
    expect((await run('ansible-playbook', ['--version'])).stdout).toContain(
      `[core ${pins.get('ansible-core')}]`,
    );
    expect((await run('yamllint', ['--version'])).stdout.trim()).toBe(`yamllint ${pins.get('yamllint')}`);
    // argparse may wrap "<long path>/cloud-init 22.4.2" onto two lines.
    const cloudInit = await run('cloud-init', ['--version']);
    const upstream = pins.get('cloud-init')!.split('-')[0]!;
    expect(`${cloudInit.stdout}${cloudInit.stderr}`).toMatch(
      new RegExp(`cloud-init\\s+${upstream.replaceAll('.', '\\.')}\\s`),
    );
    const sshd = await run('sshd', ['-V']);
    expect(sshd.stderr).toMatch(/^OpenSSH_\d/);
    expect((await run('talosctl', ['version', '--client'])).stdout).toMatch(
      new RegExp(`Tag:\\s+v${pins.get('talosctl')!.replaceAll('.', '\\.')}\\n`),
    );
    expect((await run('helm', ['version', '--short'])).stdout).toMatch(new RegExp(`^v${pins.get('helm')}`));
    expect((await run('kubeconform', ['-v'])).stdout.trim()).toBe(`v${pins.get('kubeconform')}`);
    expect((await run('kubernetes-validate', ['--version'])).stdout.trim()).toBe(
      pins.get('kubernetes-validate'),
    );
    expect((await run('ansible-community', ['--version'])).stdout).toContain(
      `Ansible community version ${pins.get('ansible')}`,
    );
    expect((await run('podman', ['--version'])).stdout).toMatch(/^podman version \d/);
  });

  it('the Packer plugins are installed where packer finds them, at their pins', async () => {
    const listed = await run('packer', ['plugins', 'installed']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`packer-plugin-proxmox_v${pins.get('packer-plugin-proxmox')}_`);
    expect(listed.stdout).toContain(`packer-plugin-ansible_v${pins.get('packer-plugin-ansible')}_`);
  });

  it('kubeconform validates strictly offline against the derived kubernetes-validate schemas', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'infra-kubeconform-'));
    const deployment = (extra: string) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: demo }
spec:
  selector: { matchLabels: { app: demo } }
  template:
    metadata: { labels: { app: demo } }
    spec:
      containers:
        - name: demo
          image: busybox:1.37
${extra}`;
    await writeFile(join(dir, 'ok.yaml'), deployment(''));
    await writeFile(join(dir, 'bad.yaml'), deployment('          imagePullPolcy: Always\n'));
    const args = (file: string) => [
      '-strict',
      '-kubernetes-version',
      '1.36.0',
      '-schema-location',
      env.INFRA_KUBECONFORM_SCHEMA_LOCATION!,
      '-summary',
      join(dir, file),
    ];
    const ok = await run('kubeconform', args('ok.yaml'));
    expect(ok.stdout + ok.stderr).toContain('Valid: 1');
    expect(ok.code).toBe(0);
    const bad = await run('kubeconform', args('bad.yaml'));
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('imagePullPolcy');
  });

  it('`tofu init -backend=false` installs bpg/proxmox offline from the mirror, and validate passes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'infra-tofu-'));
    await writeFile(
      join(dir, 'main.tf'),
      `terraform {
  required_providers {
    proxmox = { source = "bpg/proxmox", version = "= ${pins.get('bpg/proxmox')}" }
  }
}
provider "proxmox" {
  endpoint = "https://127.0.0.1:8006/"
}
`,
    );
    const init = await run('tofu', ['init', '-backend=false', '-input=false', '-no-color'], dir);
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    expect(init.stdout).toContain(`Installing bpg/proxmox v${pins.get('bpg/proxmox')}`);
    const lock = await readFile(join(dir, '.terraform.lock.hcl'), 'utf8');
    expect(lock).toContain('provider "registry.opentofu.org/bpg/proxmox"');
    expect(lock).toMatch(/"h1:[A-Za-z0-9+/=]+"/);
    const validate = await run('tofu', ['validate', '-json', '-no-color'], dir);
    expect(JSON.parse(validate.stdout)).toMatchObject({ valid: true, error_count: 0 });
  });

  it('`tofu init` installs siderolabs/talos offline from the mirror, and its data sources work', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'infra-tofu-talos-'));
    await writeFile(
      join(dir, 'main.tf'),
      `terraform {
  required_providers {
    talos = { source = "siderolabs/talos", version = "= ${pins.get('siderolabs/talos')}" }
  }
}
resource "talos_machine_secrets" "this" {}
data "talos_client_configuration" "this" {
  cluster_name         = "demo"
  client_configuration = talos_machine_secrets.this.client_configuration
  endpoints            = ["127.0.0.2"]
}
`,
    );
    const init = await run('tofu', ['init', '-backend=false', '-input=false', '-no-color'], dir);
    expect(init.stderr).toBe('');
    expect(init.stdout).toContain(`Installing siderolabs/talos v${pins.get('siderolabs/talos')}`);
    const validate = await run('tofu', ['validate', '-json', '-no-color'], dir);
    expect(JSON.parse(validate.stdout)).toMatchObject({ valid: true, error_count: 0 });
  });

  it('a lock file made against the public registry does not match the source build (why validators use a scratch copy)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'infra-tofu-lock-'));
    const version = pins.get('bpg/proxmox');
    await writeFile(
      join(dir, 'main.tf'),
      `terraform {\n  required_providers {\n    proxmox = { source = "bpg/proxmox", version = "${version}" }\n  }\n}\n`,
    );
    // The shape `tofu providers lock` writes from the registry: release-zip hashes, not our build's.
    const registryLock = `provider "registry.opentofu.org/bpg/proxmox" {
  version     = "${version}"
  constraints = "${version}"
  hashes = [
    "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "zh:0000000000000000000000000000000000000000000000000000000000000000",
  ]
}
`;
    await writeFile(join(dir, '.terraform.lock.hcl'), registryLock);
    const init = await run(
      'tofu',
      ['init', '-backend=false', '-input=false', '-no-color', '-lockfile=readonly'],
      dir,
    );
    expect(init.code).not.toBe(0);
    expect(`${init.stdout}${init.stderr}`).toMatch(/checksum|does not match/i);
    expect(await readFile(join(dir, '.terraform.lock.hcl'), 'utf8')).toBe(registryLock);
  });

  it('cloud-init from the unpacked .deb validates user-data: exit 0 when valid, 1 with the error when not', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'infra-ci-'));
    await writeFile(join(dir, 'ok.yaml'), '#cloud-config\npackages: [qemu-guest-agent]\n');
    await writeFile(join(dir, 'bad.yaml'), '#cloud-config\npackages: qemu-guest-agent\n');
    const ok = await run('cloud-init', ['schema', '--config-file', join(dir, 'ok.yaml')]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('Valid cloud-config');
    const bad = await run('cloud-init', ['schema', '--config-file', join(dir, 'bad.yaml')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("packages: 'qemu-guest-agent' is not of type 'array'");
  });

  it('a second install changes nothing and takes seconds', async () => {
    const result = await installToolchain({ root, layout });
    expect(result.failures).toEqual([]);
    const statuses = new Set(result.rows.map((r) => r.status));
    expect(
      [...statuses].every((s) => ['cached', 'PATH', 'bootstrap', 'unavailable', 'registry'].includes(s)),
    ).toBe(true);
    expect(result.rows.filter((r) => r.status === 'unavailable').every((r) => r.optional)).toBe(true);
    expect(result.seconds).toBeLessThan(30);
  });

  it('the CLI: doctor --json finds every required tool at its pin and exits 0; env --shell prints the exports', async () => {
    const script = join(root, 'scripts', 'toolchain.ts');
    const tsx = join(root, 'node_modules', '.bin', 'tsx');
    const report = await run(tsx, [script, 'doctor', '--json'], root);
    expect(report.code).toBe(0);
    const parsed = JSON.parse(report.stdout) as DoctorReport;
    expect(parsed.rows.map((r) => r.tool)).toEqual([...pins.keys()]);
    expect(parsed.rows.filter((r) => r.status !== 'ok' && r.status !== 'optional-missing')).toEqual([]);
    expect(parsed.ok).toBe(true);
    for (const row of parsed.rows.filter((r) => r.status === 'ok' && !r.pinned.includes('system'))) {
      expect(row.found, row.tool).toBe(row.tool === 'cloud-init' ? row.pinned.split('-')[0] : row.pinned);
    }
    expect(parsed.rows.find((r) => r.tool === 'opentofu')?.obtained).toMatch(/^(go build|go install|PATH)$/);
    expect(parsed.rows.find((r) => r.tool === 'ansible-lint')?.obtained).toMatch(/^(pip|PATH)$/);
    // Where each came from: the proxy (module@version), a verified archive, PyPI, Debian.
    const origin = (tool: string) => parsed.rows.find((r) => r.tool === tool)?.origin;
    expect(origin('talosctl')).toBe(`Go module proxy (github.com/siderolabs/talos@v${pins.get('talosctl')})`);
    expect(origin('siderolabs/talos')).toMatch(
      /^source archive \S+\/terraform-provider-talos-v0\.11\.0\.tar\.gz \(sha256 c435b8e8a5a791c26fd323a2a879b5b2523cdc805dcb1c49f5f72896fe66efee, verified\)$/,
    );
    expect(origin('molecule-plugins')).toBe('PyPI');
    expect(origin('podman')).toMatch(/^Debian \(/);
    const shell = await run(tsx, [script, 'env', '--shell'], root);
    expect(shell.stdout).toContain(`export TF_CLI_CONFIG_FILE='${layout.tofuCliConfig}'`);
    expect(shell.stdout).toContain(`export PACKER_PLUGIN_PATH='${layout.packerPluginDir}'`);
    expect(shell.stdout).toContain(`export CONTAINERS_CONF='${layout.containersConf}'`);
    expect(shell.stdout).toContain(`export INFRA_KUBERNETES_SCHEMAS='${layout.kubernetesSchemas}'`);
  });
});
