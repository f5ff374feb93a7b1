import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * scripts/validate.ts as Nx runs it (from the workspace root, here a throw-away copy): exit codes, the one-line
 * finding format, --json, usage errors. The image.yaml kind needs no IaC tool beyond yamllint, so this stays fast;
 * the validators themselves are tested against the real tools in libs/validators.
 */
const repoRoot = resolve(import.meta.dirname, '..');
const tsx = join(repoRoot, 'node_modules', '.bin', 'tsx');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'validate-script-'));
  for (const path of ['infra.config.yaml', '.yamllint.yaml', 'packer/talos', 'scripts/build-image.ts'])
    await cp(join(repoRoot, path), join(dir, path), { recursive: true });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const run = (...args: string[]) =>
  execa(tsx, [join(repoRoot, 'scripts', 'validate.ts'), ...args], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1' },
    reject: false,
  });

describe('scripts/validate.ts', () => {
  it('exits 0 on a valid project and prints the verdict line', async () => {
    const result = await run('packer', 'packer/talos');
    expect(result.stderr).not.toMatch(/TOOL_MISSING/);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(
      /^packer\/talos \(packer\): ok, 0 error\(s\), 0 warning\(s\) \[image\.yaml/m,
    );
  });

  it('exits 1 with file:line  severity  rule  message  (tool), and --json carries the same findings', async () => {
    await writeFile(
      join(dir, 'packer/talos/image.yaml'),
      'name: talos\nbuilder: packer\nentrypoint: scripts/build-image.ts\nconfig: talos\n',
    );
    const human = await run('packer', 'packer/talos');
    expect(human.exitCode).toBe(1);
    expect(human.stdout).toContain(
      'packer/talos/image.yaml:2  error  image-manifest  builder: expected "proxmox-api" (Packer images have *.pkr.hcl instead)  (infra)',
    );
    const json = await run('packer', 'packer/talos', '--json');
    expect(json.exitCode).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      kind: 'packer',
      project: 'packer/talos',
      ok: false,
      findings: [
        {
          file: 'packer/talos/image.yaml',
          line: 2,
          rule: 'image-manifest',
          severity: 'error',
          tool: 'infra',
        },
      ],
    });
  });

  it('rejects an unknown kind or a missing project with a clear message', async () => {
    const usage = await run('helm', 'charts/x');
    expect(usage.exitCode).toBe(2);
    expect(usage.stderr).toMatch(
      /usage: validate\.ts <packer\|terraform\|ansible-role\|ansible-playbooks\|talos\|secrets\|kubernetes>/,
    );
    const missing = await run('terraform', 'terraform/nope');
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/terraform\/nope is not a directory \[PROJECT_NOT_FOUND\]/);
  });
});
