import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isInfraError } from '@infra/core';
import { afterEach, describe, expect, it } from 'vitest';
import { clusterVersions } from './versions';

const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');
let dir: string | undefined;

afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A repo holding the real infra.config.yaml, edited by `edit`; returns its root and the text written. */
async function repoWith(edit: (text: string) => string): Promise<{ root: string; text: string }> {
  dir = await mkdtemp(join(tmpdir(), 'platform-versions-'));
  const text = edit(await readFile(join(REPO_ROOT, 'infra.config.yaml'), 'utf8'));
  await writeFile(join(dir, 'infra.config.yaml'), text);
  return { root: dir, text };
}

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

async function failure(root: string, environment: string) {
  const error = await clusterVersions(root, environment).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isInfraError(error)) throw new Error(`expected an InfraError, got ${String(error)}`);
  return error;
}

describe('clusterVersions: the one Kubernetes pin and the Talos compatibility check', () => {
  it('reads talos.version and talos.kubernetesVersion of the real config', async () => {
    expect(await clusterVersions(REPO_ROOT, 'local')).toEqual({
      talosVersion: 'v1.13.9',
      kubernetesVersion: '1.36.3',
    });
    expect(await clusterVersions(REPO_ROOT, 'prod')).toEqual({
      talosVersion: 'v1.13.9',
      kubernetesVersion: '1.36.3',
    });
  });

  it('an environment that pins a Kubernetes its Talos does not support: file, line, layer and field', async () => {
    const { root, text } = await repoWith((t) =>
      t.replace('  prod:\n', '  prod:\n    talos: { kubernetesVersion: 1.37.0 }\n'),
    );
    const error = await failure(root, 'prod');
    expect(error.code).toBe('PLATFORM_KUBERNETES_VERSION');
    const line = lineOf(text, 'talos: { kubernetesVersion: 1.37.0 }');
    expect(error.message).toMatch(
      new RegExp(
        `^infra\\.config\\.yaml:${line}:\\d+: environments\\.prod\\.talos\\.kubernetesVersion: Talos v1\\.13\\.9 supports Kubernetes 1\\.31\\.0 to 1\\.36\\.x, not 1\\.37\\.0`,
      ),
    );
    expect(error.message).toContain(
      `Talos from catalog.talos.version at infra.config.yaml:${lineOf(text, 'version: v1.13.9')}:`,
    );
    // The other environments keep the catalog's supported pin.
    expect((await clusterVersions(root, 'local')).kubernetesVersion).toBe('1.36.3');
  });

  it('moving Talos to a line that does not support the pinned Kubernetes fails on the Kubernetes field', async () => {
    const { root, text } = await repoWith((t) => t.replace('version: v1.13.9', 'version: v1.12.6'));
    const error = await failure(root, 'local');
    expect(error.message).toMatch(
      new RegExp(
        `^infra\\.config\\.yaml:${lineOf(text, 'kubernetesVersion: 1.36.3')}:\\d+: catalog\\.talos\\.kubernetesVersion: Talos v1\\.12\\.6 supports Kubernetes 1\\.30\\.0 to 1\\.35\\.x, not 1\\.36\\.3`,
      ),
    );
  });
});
