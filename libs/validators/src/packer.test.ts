import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cloudInitSchema } from './cloud-init';
import { packerFmt, packerInitAndValidate } from './packer';
import {
  type FixtureRepo,
  fixtureRepo,
  missingTools,
  packerPluginInstalled,
  realToolEnv,
  skipNote,
} from './testing/fixture-repo';

const env = await realToolEnv();
const missing = await missingTools(env, ['packer']);
if (missing.length === 0 && !(await packerPluginInstalled(env))) missing.push('packer-plugin-proxmox');
const missingCloudInit = await missingTools(env, ['cloud-init']);
const DEBIAN = 'packer/debian';

/** The toolchain installs packer and its plugins (./infra setup, before any test in CI): absent is a failure. */
const requireTools = (absent: readonly string[]) =>
  beforeEach(() => {
    if (absent.length > 0) throw new Error(`${absent.join(', ')} not installed; run ./infra setup`);
  });

/** A proxmox-iso build next to the Debian template, sharing its variables and required_plugins. */
const ISO_SOURCE = `source "proxmox-iso" "iso_check" {
  proxmox_url  = var.proxmox_url
  username     = var.proxmox_username
  token        = var.proxmox_token
  node         = var.node
  communicator = "none"
  boot_iso {
    iso_file = "local:iso/check.iso"
    unmount  = true
  }
}

build {
  name    = "iso-check"
  sources = ["source.proxmox-iso.iso_check"]
}
`;
const USER_DATA = `${DEBIAN}/cloud-init/user-data.yaml`;

let repo: FixtureRepo | undefined;
afterEach(async () => {
  await repo?.dispose();
  repo = undefined;
});

describe('packer validators with the real packer + proxmox plugin', () => {
  requireTools(missing);

  it('passes the real Debian template with the variables infra.config.yaml injects', async () => {
    repo = await fixtureRepo(['packer/debian', 'ansible']);
    const ctx = repo.context(DEBIAN, env);
    expect([...(await packerFmt(ctx)), ...(await packerInitAndValidate(ctx))]).toEqual([]);
  });

  it('an unknown field in a proxmox-clone block fails validation, naming the field, file and line', async () => {
    repo = await fixtureRepo(['packer/debian', 'ansible']);
    const line = await repo.replace(
      `${DEBIAN}/debian.pkr.hcl`,
      '  full_clone  = true',
      '  full_clone  = true\n  clone_disks = true',
    );
    const findings = await packerInitAndValidate(repo.context(DEBIAN, env));
    expect(findings).toContainEqual(
      expect.objectContaining({
        file: `${DEBIAN}/debian.pkr.hcl`,
        line: line + 1,
        severity: 'error',
        tool: 'packer',
        message: expect.stringMatching(/Unsupported argument.*"clone_disks"/),
      }),
    );
  });

  it('reports a value the plugin rejects when it prepares the builder (an invalid template name)', async () => {
    repo = await fixtureRepo(['packer/debian', 'ansible']);
    await repo.replace(
      `${DEBIAN}/debian.pkr.hcl`,
      'template_name        = local.template_name',
      'template_name        = "Debian 13 golden!"',
    );
    const sourceLine =
      (await repo.read(`${DEBIAN}/debian.pkr.hcl`)).split('\n').indexOf('source "proxmox-clone" "debian" {') +
      1;
    const findings = await packerInitAndValidate(repo.context(DEBIAN, env));
    // Plugin Prepare() errors point at the source block; each "* problem" becomes its own finding.
    expect(findings).toEqual([
      expect.objectContaining({
        file: `${DEBIAN}/debian.pkr.hcl`,
        line: sourceLine,
        severity: 'error',
        tool: 'packer',
        message: 'template_name must be a valid DNS name',
      }),
    ]);
  });

  it('an unknown field in a proxmox-iso block fails validation, naming the field, file and line', async () => {
    repo = await fixtureRepo(['packer/debian', 'ansible']);
    await repo.write(`${DEBIAN}/iso-check.pkr.hcl`, ISO_SOURCE);
    const ctx = repo.context(DEBIAN, env);
    // The block as written is valid for the plugin: the failure below is the unknown field alone.
    expect((await packerInitAndValidate(ctx)).filter((f) => f.severity === 'error')).toEqual([]);
    const line = await repo.replace(
      `${DEBIAN}/iso-check.pkr.hcl`,
      '  communicator = "none"',
      '  communicator = "none"\n  iso_checksumm = "sha256:00"',
    );
    const findings = await packerInitAndValidate(repo.context(DEBIAN, env));
    expect(findings).toContainEqual(
      expect.objectContaining({
        file: `${DEBIAN}/iso-check.pkr.hcl`,
        line: line + 1,
        severity: 'error',
        tool: 'packer',
        message: expect.stringMatching(/Unsupported argument.*"iso_checksumm"/),
      }),
    );
  });

  it('reports unformatted HCL at the first line packer fmt would change', async () => {
    repo = await fixtureRepo(['packer/debian', 'ansible']);
    const line = await repo.replace(
      `${DEBIAN}/debian.pkr.hcl`,
      '  node                     = var.node',
      '  node = var.node',
    );
    expect(await packerFmt(repo.context(DEBIAN, env))).toEqual([
      expect.objectContaining({ file: `${DEBIAN}/debian.pkr.hcl`, line, rule: 'fmt' }),
    ]);
  });
});

describe('packer without the pinned plugins', () => {
  requireTools(missing.filter((tool) => tool === 'packer'));

  it('is one TOOL_MISSING error naming the plugin and ./infra setup: nothing about its sources was checked', async () => {
    repo = await fixtureRepo(['packer/debian', 'ansible']);
    const fixture = repo;
    const dir = await mkdtemp(join(tmpdir(), 'infra-no-plugins-'));
    try {
      const findings = await packerInitAndValidate(
        fixture.context(DEBIAN, { ...env, PACKER_PLUGIN_PATH: dir }),
      );
      expect(findings).toEqual([
        expect.objectContaining({
          rule: 'TOOL_MISSING',
          severity: 'error',
          file: DEBIAN,
          message: expect.stringMatching(/Packer plugin github.com\/hashicorp\/\w+ .*run \.\/infra setup/),
        }),
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(missingCloudInit.length > 0)(
  `cloud-init schema with the real cloud-init${skipNote(missingCloudInit)}`,
  () => {
    it('passes the real user-data', async () => {
      repo = await fixtureRepo(['packer/debian', 'ansible']);
      expect(await cloudInitSchema(repo.context(DEBIAN, env))).toEqual([]);
    });

    it('reports a key of the wrong type at its line', async () => {
      repo = await fixtureRepo(['packer/debian', 'ansible']);
      const line = await repo.replace(
        USER_DATA,
        /packages:\n {2}- qemu-guest-agent/,
        'packages: qemu-guest-agent',
      );
      expect(await cloudInitSchema(repo.context(DEBIAN, env))).toEqual([
        expect.objectContaining({
          file: USER_DATA,
          line,
          rule: 'schema',
          severity: 'error',
          tool: 'cloud-init',
          message: "packages: 'qemu-guest-agent' is not of type 'array'",
        }),
      ]);
    });

    it('reports a missing #cloud-config header', async () => {
      repo = await fixtureRepo(['packer/debian', 'ansible']);
      await repo.replace(USER_DATA, '#cloud-config\n', '');
      expect(await cloudInitSchema(repo.context(DEBIAN, env))).toEqual([
        expect.objectContaining({
          file: USER_DATA,
          line: 1,
          message: expect.stringContaining('needs to begin with "#cloud-config"'),
        }),
      ]);
    });
  },
);
