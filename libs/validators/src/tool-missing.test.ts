import { afterEach, describe, expect, it } from 'vitest';
import { validateProject } from './kinds';
import { type FixtureRepo, fixtureRepo } from './testing/fixture-repo';

let repo: FixtureRepo | undefined;
afterEach(async () => {
  await repo?.dispose();
  repo = undefined;
});

describe('a missing tool', () => {
  it('is a TOOL_MISSING finding per step that names the tool and ./infra setup, and fails the project', async () => {
    repo = await fixtureRepo(['terraform']);
    const report = await validateProject('terraform', 'terraform/environments/local', {
      repoRoot: repo.root,
      env: { PATH: repo.path('no-tools-here') },
    });
    expect(report.ok).toBe(false);
    expect(report.findings.map((f) => [f.rule, f.tool])).toEqual([
      ['TOOL_MISSING', 'tofu'],
      ['TOOL_MISSING', 'tofu'],
      ['TOOL_MISSING', 'checkov'],
    ]);
    for (const finding of report.findings) {
      expect(finding.file).toBe('terraform/environments/local');
      expect(finding.message).toMatch(/is not installed .*\.\/infra setup/);
    }
    expect(report.steps.map((s) => s.step)).toEqual(['tofu fmt', 'tofu init+validate, tflint', 'checkov']);
  });

  it('rejects a project root that does not exist', async () => {
    repo = await fixtureRepo([]);
    await expect(
      validateProject('packer', 'packer/nope', { repoRoot: repo.root, env: {} }),
    ).rejects.toMatchObject({
      code: 'PROJECT_NOT_FOUND',
    });
  });
});
