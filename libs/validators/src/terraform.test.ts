import { afterEach, describe, expect, it } from 'vitest';
import { hasErrors } from './finding';
import { terraformDocsCheck } from './terraform-docs';
import { type FixtureRepo, fixtureRepo, missingTools, realToolEnv, skipNote } from './testing/fixture-repo';
import { tofuFmt, tofuValidateAndLint } from './tofu';

const env = await realToolEnv();
const missing = await missingTools(env, ['tofu', 'tflint', 'terraform-docs']);
const MODULE = 'terraform/modules/proxmox-vm';
const LOCAL = 'terraform/environments/local';

let repo: FixtureRepo | undefined;
afterEach(async () => {
  await repo?.dispose();
  repo = undefined;
});

describe.skipIf(missing.length > 0)(
  `terraform validators with the real tofu, tflint, terraform-docs${skipNote(missing)}`,
  () => {
    it('passes the real module and environment', async () => {
      repo = await fixtureRepo(['terraform']);
      for (const project of [MODULE, LOCAL]) {
        const ctx = repo.context(project, env);
        const findings = [...(await tofuFmt(ctx)), ...(await tofuValidateAndLint(ctx))];
        if (project === MODULE) findings.push(...(await terraformDocsCheck(ctx)));
        expect(findings, `${project}: ${JSON.stringify(findings)}`).toEqual([]);
      }
    });

    it('reports bad HCL with the file, the line and the parser message', async () => {
      repo = await fixtureRepo(['terraform']);
      const line = await repo.replace(
        `${MODULE}/main.tf`,
        'bios          = var.bios',
        'bios          = = var.bios',
      );
      const findings = await tofuValidateAndLint(repo.context(MODULE, env));
      expect(hasErrors(findings)).toBe(true);
      expect(findings).toContainEqual(
        expect.objectContaining({
          file: `${MODULE}/main.tf`,
          line,
          message: expect.stringMatching(/Invalid expression/),
        }),
      );
    });

    it('reports an argument the bpg provider schema does not have (tofu validate)', async () => {
      repo = await fixtureRepo(['terraform']);
      const line = await repo.replace(
        `${MODULE}/main.tf`,
        '  on_boot       = var.on_boot',
        '  on_boot       = var.on_boot\n  boot_speed    = 11',
      );
      const findings = await tofuValidateAndLint(repo.context(MODULE, env));
      expect(findings).toContainEqual(
        expect.objectContaining({
          file: `${MODULE}/main.tf`,
          line: line + 1,
          severity: 'error',
          tool: 'tofu',
          message: expect.stringMatching(/Unsupported argument.*boot_speed/),
        }),
      );
    });

    it('reports a tflint recommended-preset violation (unused variable)', async () => {
      repo = await fixtureRepo(['terraform']);
      const text = await repo.read(`${LOCAL}/variables.tf`);
      await repo.write(
        `${LOCAL}/variables.tf`,
        `${text}\nvariable "forgotten" {\n  description = "Declared, never used."\n  type        = string\n}\n`,
      );
      const findings = await tofuValidateAndLint(repo.context(LOCAL, env));
      expect(findings).toContainEqual(
        expect.objectContaining({
          file: `${LOCAL}/variables.tf`,
          line: text.split('\n').length + 1,
          rule: 'terraform_unused_declarations',
          severity: 'error',
          message: expect.stringContaining('"forgotten" is declared but not used'),
        }),
      );
    });

    it('reports unformatted files at the first line tofu fmt would change', async () => {
      repo = await fixtureRepo(['terraform']);
      const line = await repo.replace(
        `${LOCAL}/main.tf`,
        '  name      = "talos-${count.index + 1}"',
        '  name = "talos-${count.index + 1}"',
      );
      const findings = await tofuFmt(repo.context(LOCAL, env));
      expect(findings).toEqual([
        expect.objectContaining({
          file: `${LOCAL}/main.tf`,
          line,
          rule: 'fmt',
          message: expect.stringContaining('tofu fmt'),
        }),
      ]);
    });

    it('fails a stale module README and --fix regenerates it', async () => {
      repo = await fixtureRepo(['terraform']);
      await repo.replace(
        `${MODULE}/outputs.tf`,
        'output "vm_id" {',
        'output "node" {\n  description = "Alias of node_name."\n  value       = proxmox_virtual_environment_vm.this.node_name\n}\n\noutput "vm_id" {',
      );
      const ctx = repo.context(MODULE, env);
      const stale = await terraformDocsCheck(ctx);
      expect(stale).toEqual([
        expect.objectContaining({
          file: `${MODULE}/README.md`,
          rule: 'terraform-docs',
          message: expect.stringMatching(/out of date.*output_node/),
        }),
      ]);
      expect(await terraformDocsCheck(ctx, { fix: true })).toEqual([]);
      expect(await repo.read(`${MODULE}/README.md`)).toContain('<a name="output_node"></a>');
      expect(await terraformDocsCheck(ctx)).toEqual([]);
    });
  },
);
