import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, readlink, rename, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { InfraError } from '@infra/core';
import type { ToolchainErrorCode } from './error-codes';
import { forKubeconform, isSchemaVersionDir, PACKAGE_SCHEMA_DIR } from './kubernetes-schemas';
import type { CacheLayout } from './paths';
import { installAtomically, type Marker, readMarker } from './store';

/** kubernetes_validate's schema folder inside a venv. */
async function packageSchemaDir(venv: string): Promise<string> {
  const lib = join(venv, 'lib');
  const pythons = (await readdir(lib).catch(() => [] as string[])).filter((n) => /^python3\.\d+$/.test(n));
  for (const python of pythons) {
    const dir = join(lib, python, 'site-packages', 'kubernetes_validate', PACKAGE_SCHEMA_DIR);
    if ((await readdir(dir).catch(() => undefined)) !== undefined) return dir;
  }
  throw new InfraError<ToolchainErrorCode>(
    'TOOLCHAIN_INSTALL_FAILED',
    `kubernetes-validate is not installed in ${venv} (no lib/python3.*/site-packages/kubernetes_validate/${PACKAGE_SCHEMA_DIR})`,
    { hint: 'rerun `./infra toolchain install --force kubernetes-validate`' },
  );
}

async function pool<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: size }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
    }),
  );
}

/** Points the stable link at `target` atomically (a new link renamed over the old one). */
async function pointLink(link: string, target: string): Promise<void> {
  if ((await readlink(link).catch(() => undefined)) === target) return;
  await mkdir(dirname(link), { recursive: true });
  const temp = `${link}.tmp-${randomBytes(4).toString('hex')}`;
  await symlink(target, temp);
  await rename(temp, link);
}

/**
 * The kubeconform-ready copy of kubernetes-validate's schemas for one version, built once into
 * tools/kubernetes-schemas/<version>/ (atomically, marker last) and linked from layout.kubernetesSchemas.
 */
export async function ensureKubeconformSchemas(
  layout: CacheLayout,
  version: string,
  venv: string,
): Promise<{ dir: string; marker: Marker; built: boolean }> {
  const home = layout.toolDir('kubernetes-schemas', version);
  let marker = await readMarker(home, version);
  const built = marker === undefined;
  if (!marker) {
    const source = await packageSchemaDir(venv);
    marker = await installAtomically(home, async (temp) => {
      const versions = (await readdir(source)).filter(isSchemaVersionDir);
      let files = 0;
      for (const versionDir of versions) {
        await mkdir(join(temp, versionDir));
        const names = (await readdir(join(source, versionDir))).filter((n) => n.endsWith('.json'));
        await pool(names, 16, async (name) => {
          const schema = JSON.parse(await readFile(join(source, versionDir, name), 'utf8')) as unknown;
          await writeFile(join(temp, versionDir, name), JSON.stringify(forKubeconform(schema)));
        });
        files += names.length;
      }
      return {
        id: 'kubernetes-schemas',
        version,
        method: 'derived',
        origin: `PyPI (kubernetes-validate==${version}), $id dropped and refs made relative for kubeconform`,
        bins: {},
        extra: { source, versions, files },
      };
    });
  }
  await pointLink(layout.kubernetesSchemas, home);
  return { dir: home, marker, built };
}
