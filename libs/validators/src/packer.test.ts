import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
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
const missingPacker = await missingTools(env, ['packer']);
const DEBIAN = 'packer/debian';
const USER_DATA = `${DEBIAN}/cloud-init/user-data.yaml`;

let repo: FixtureRepo | undefined;
afterEach(async () => {
  await repo?.dispose();
  repo = undefined;
});

describe.skipIf(missing.length > 0)(
  `packer validators with the real packer + proxmox plugin${skipNote(missing)}`,
  () => {
    it('passes the real Debian template with the variables infra.config.yaml injects', async () => {
      repo = await fixtureRepo(['packer/debian']);
      const ctx = repo.context(DEBIAN, env);
      expect([...(await packerFmt(ctx)), ...(await packerInitAndValidate(ctx))]).toEqual([]);
    });

    it('reports a field the proxmox-clone builder does not know, with file and line', async () => {
      repo = await fixtureRepo(['packer/debian']);
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
      repo = await fixtureRepo(['packer/debian']);
      await repo.replace(
        `${DEBIAN}/debian.pkr.hcl`,
        'template_name        = local.template_name',
        'template_name        = "Debian 13 golden!"',
      );
      const sourceLine =
        (await repo.read(`${DEBIAN}/debian.pkr.hcl`))
          .split('\n')
          .indexOf('source "proxmox-clone" "debian" {') + 1;
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

    it('reports unformatted HCL at the first line packer fmt would change', async () => {
      repo = await fixtureRepo(['packer/debian']);
      const line = await repo.replace(
        `${DEBIAN}/debian.pkr.hcl`,
        '  node                     = var.node',
        '  node = var.node',
      );
      expect(await packerFmt(repo.context(DEBIAN, env))).toEqual([
        expect.objectContaining({ file: `${DEBIAN}/debian.pkr.hcl`, line, rule: 'fmt' }),
      ]);
    });
  },
);

describe.skipIf(missingPacker.length > 0)(
  `packer without the proxmox plugin (as on machines that cannot build it)${skipNote(missingPacker)}`,
  () => {
    const withoutPlugins = async <T>(fn: (pluginDir: string) => Promise<T>): Promise<T> => {
      const dir = await mkdtemp(join(tmpdir(), 'infra-no-plugins-'));
      try {
        return await fn(dir);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    };

    it('passes the real template with one PLUGIN_MISSING warning that says what went unchecked', async () => {
      repo = await fixtureRepo(['packer/debian']);
      const fixture = repo;
      const findings = await withoutPlugins((dir) =>
        packerInitAndValidate(fixture.context(DEBIAN, { ...env, PACKER_PLUGIN_PATH: dir })),
      );
      expect(findings).toEqual([
        expect.objectContaining({
          file: DEBIAN,
          rule: 'PLUGIN_MISSING',
          severity: 'warning',
          message: expect.stringMatching(
            /github.com\/hashicorp\/proxmox.*proxmox-clone\.debian were not checked.*packer plugins install/,
          ),
        }),
      ]);
    });

    it('still reports an unknown field of a built-in provisioner at its exact line', async () => {
      repo = await fixtureRepo(['packer/debian']);
      const fixture = repo;
      const line = await repo.replace(
        `${DEBIAN}/debian.pkr.hcl`,
        '    expect_disconnect = true',
        '    expect_disconnect = true\n    retry_forever     = true',
      );
      const findings = await withoutPlugins((dir) =>
        packerInitAndValidate(fixture.context(DEBIAN, { ...env, PACKER_PLUGIN_PATH: dir })),
      );
      expect(findings).toContainEqual(
        expect.objectContaining({
          file: `${DEBIAN}/debian.pkr.hcl`,
          line: line + 1,
          severity: 'error',
          tool: 'packer',
          message: expect.stringMatching(
            /Unsupported argument; An argument named "retry_forever" is not expected here/,
          ),
        }),
      );
    });

    it('still reports a variable value the template rejects (type check with the injected PKR_VAR_*)', async () => {
      repo = await fixtureRepo(['packer/debian']);
      const fixture = repo;
      const findings = await withoutPlugins((dir) =>
        packerInitAndValidate(fixture.context(DEBIAN, { ...env, PACKER_PLUGIN_PATH: dir })),
      );
      expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
      await repo.replace(
        `${DEBIAN}/variables.pkr.hcl`,
        'variable "cores" {\n  type        = number',
        'variable "cores" {\n  type        = bool',
      );
      const broken = await withoutPlugins((dir) =>
        packerInitAndValidate(fixture.context(DEBIAN, { ...env, PACKER_PLUGIN_PATH: dir })),
      );
      expect(broken).toContainEqual(
        expect.objectContaining({
          severity: 'error',
          tool: 'packer',
          message: expect.stringMatching(/cores/),
        }),
      );
    });

    it('is a TOOL_MISSING error with INFRA_REQUIRE_PACKER_PLUGINS=1', async () => {
      repo = await fixtureRepo(['packer/debian']);
      const fixture = repo;
      const findings = await withoutPlugins((dir) =>
        packerInitAndValidate(
          fixture.context(DEBIAN, { ...env, PACKER_PLUGIN_PATH: dir, INFRA_REQUIRE_PACKER_PLUGINS: '1' }),
        ),
      );
      expect(findings).toEqual([
        expect.objectContaining({
          rule: 'TOOL_MISSING',
          severity: 'error',
          file: DEBIAN,
          message: expect.stringContaining('github.com/hashicorp/proxmox'),
        }),
      ]);
    });
  },
);

describe.skipIf(missingCloudInit.length > 0)(
  `cloud-init schema with the real cloud-init${skipNote(missingCloudInit)}`,
  () => {
    it('passes the real user-data', async () => {
      repo = await fixtureRepo(['packer/debian']);
      expect(await cloudInitSchema(repo.context(DEBIAN, env))).toEqual([]);
    });

    it('reports a key of the wrong type at its line', async () => {
      repo = await fixtureRepo(['packer/debian']);
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
      repo = await fixtureRepo(['packer/debian']);
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
