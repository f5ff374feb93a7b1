import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redact } from '@infra/core';
import { afterEach, describe, expect, it } from 'vitest';
import { nextSteps, writeCredentials } from './outputs';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('writeCredentials', () => {
  it('writes 0600 files in a 0700 directory and registers the contents with the redactor', async () => {
    dir = await mkdtemp(join(tmpdir(), 'cluster-out-'));
    const target = join(dir, 'clusters', 'local');
    const kubeconfig =
      'apiVersion: v1\nkind: Config\nusers:\n- user:\n    client-key-data: S2VZa2V5a2V5a2V5\n';
    const talosconfig = 'context: homelab\ncontexts:\n  homelab:\n    key: VGFsb3NLZXlUYWxvc0tleQ==\n';
    const written = await writeCredentials(target, {
      kubeconfig: { value: kubeconfig, sensitive: true },
      talosconfig: { value: talosconfig, sensitive: true },
    });
    expect(await readFile(written.kubeconfig, 'utf8')).toBe(kubeconfig);
    expect((await stat(written.kubeconfig)).mode & 0o777).toBe(0o600);
    expect((await stat(written.talosconfig)).mode & 0o777).toBe(0o600);
    expect((await stat(target)).mode & 0o777).toBe(0o700);
    expect(redact(`leaked ${talosconfig}`)).not.toContain('VGFsb3NLZXlUYWxvc0tleQ==');
    expect(nextSteps(written, (p) => p.replace(`${dir}/`, ''))).toEqual([
      'kubectl --kubeconfig clusters/local/kubeconfig get nodes',
      'talosctl --talosconfig clusters/local/talosconfig dashboard',
      'talosctl --talosconfig clusters/local/talosconfig version',
    ]);
  });

  it('fails with one error when an output is missing', async () => {
    dir = await mkdtemp(join(tmpdir(), 'cluster-out-'));
    await expect(
      writeCredentials(dir, { kubeconfig: { value: 'x', sensitive: true } }),
    ).rejects.toMatchObject({
      code: 'CLUSTER_OUTPUT_MISSING',
    });
  });
});
