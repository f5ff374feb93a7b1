import { afterEach, describe, expect, it } from 'vitest';
import { talosPatches } from './talos';
import { type FixtureRepo, fixtureRepo } from './testing/fixture-repo';

let repo: FixtureRepo | undefined;
afterEach(async () => {
  await repo?.dispose();
  repo = undefined;
});

const PATCH = 'talos/patches/install-disk.yaml';

describe('talos patch validation (machine-config schema of the pinned Talos version)', () => {
  it('passes the real patches', async () => {
    repo = await fixtureRepo(['talos']);
    expect(await talosPatches(repo.context('talos', {}))).toEqual([]);
  });

  it('reports a field the schema does not have, with file, line and path', async () => {
    repo = await fixtureRepo(['talos']);
    const line = await repo.replace(PATCH, '    wipe: false', '    wipe: false\n    wipeHarder: true');
    expect(await talosPatches(repo.context('talos', {}))).toEqual([
      expect.objectContaining({
        file: PATCH,
        line: line + 1,
        severity: 'error',
        tool: 'talos-schema',
        message: expect.stringMatching(/machine\.install.*wipeHarder.*Talos v1\.13\.9/),
      }),
    ]);
  });
});
