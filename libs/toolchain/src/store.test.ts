import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MARKER_FILE } from './paths';
import { installAtomically, installInPlace, readMarker, removeStaleTemps } from './store';

async function fakeBinary(dir: string, name = 'tool'): Promise<void> {
  await mkdir(join(dir, 'bin'), { recursive: true });
  await writeFile(join(dir, 'bin', name), '#!/bin/sh\necho 1.0.0\n');
  await chmod(join(dir, 'bin', name), 0o755);
}

describe('installAtomically', () => {
  it('moves a complete build into place with its marker written last', async () => {
    const root = await mkdtemp(join(tmpdir(), 'infra-store-'));
    const home = join(root, 'tool', '1.0.0');
    const marker = await installAtomically(home, async (temp) => {
      expect(temp).not.toBe(home);
      await fakeBinary(temp);
      return { id: 'tool', version: '1.0.0', method: 'go build', bins: { tool: 'bin/tool' } };
    });
    expect(marker.method).toBe('go build');
    expect(await readdir(join(root, 'tool'))).toEqual(['1.0.0']);
    expect(await readMarker(home, '1.0.0')).toMatchObject({ id: 'tool', bins: { tool: 'bin/tool' } });
  });

  it('leaves nothing behind when the build fails, and keeps an existing install intact', async () => {
    const root = await mkdtemp(join(tmpdir(), 'infra-store-'));
    const home = join(root, 'tool', '1.0.0');
    await expect(
      installAtomically(home, async (temp) => {
        await fakeBinary(temp);
        throw new Error('compile error');
      }),
    ).rejects.toThrow('compile error');
    expect(existsSync(join(root, 'tool'))).toBe(false);

    await installAtomically(home, async (temp) => {
      await fakeBinary(temp);
      return { id: 'tool', version: '1.0.0', method: 'go build', bins: { tool: 'bin/tool' } };
    });
    await expect(
      installAtomically(home, async () => Promise.reject(new Error('second build broke'))),
    ).rejects.toThrow();
    expect(await readMarker(home, '1.0.0')).toBeDefined();
  });

  it('a process killed mid-build leaves only a temp dir, which is not installed and is cleaned up', async () => {
    const root = await mkdtemp(join(tmpdir(), 'infra-store-'));
    const home = join(root, 'tools', 'slow', '1.0.0');
    const script = join(root, 'slow.mts');
    await writeFile(
      script,
      `import { installAtomically } from ${JSON.stringify(join(import.meta.dirname, 'store.ts'))};
await installAtomically(${JSON.stringify(home)}, async (temp) => {
  const { writeFile } = await import('node:fs/promises');
  await writeFile(temp + '/half-written', 'x');
  console.log('building');
  await new Promise((r) => setTimeout(r, 60_000));
  return { id: 'slow', version: '1.0.0', method: 'go build', bins: {} };
});
`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', () => resolve());
      child.on('close', (code) => reject(new Error(`the builder exited early (${code}): ${stderr}`)));
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('close', resolve));

    const left = await readdir(join(root, 'tools', 'slow'));
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(/^1\.0\.0\.tmp-/);
    expect(await readMarker(home, '1.0.0')).toBeUndefined();
    const removed = await removeStaleTemps(join(root, 'tools'), join(root, 'tools', '.work'));
    expect(removed).toHaveLength(1);
    expect(await readdir(join(root, 'tools', 'slow'))).toEqual([]);
  });
});

describe('installInPlace', () => {
  it('writes the marker last and wipes the directory on failure', async () => {
    const root = await mkdtemp(join(tmpdir(), 'infra-store-'));
    const dir = join(root, 'venv');
    await expect(
      installInPlace(dir, async (d) => {
        await fakeBinary(d);
        throw new Error('pip failed');
      }),
    ).rejects.toThrow('pip failed');
    await expect(readdir(dir)).rejects.toThrow();
    await installInPlace(dir, async (d) => {
      await fakeBinary(d, 'yamllint');
      return { id: 'python', version: 'yamllint==1.38.0', method: 'pip', bins: { yamllint: 'bin/yamllint' } };
    });
    expect(await readMarker(dir, 'yamllint==1.38.0')).toBeDefined();
  });
});

describe('readMarker', () => {
  it('rejects another version, a missing binary, and a corrupt marker', async () => {
    const root = await mkdtemp(join(tmpdir(), 'infra-store-'));
    const home = join(root, 't', '2.0.0');
    await installAtomically(home, async (temp) => {
      await fakeBinary(temp);
      return {
        id: 't',
        version: '2.0.0',
        method: 'go install',
        bins: { tool: 'bin/tool', gone: 'bin/gone' },
      };
    }).catch(() => undefined);
    // bins point at a file that does not exist: not a complete install
    expect(await readMarker(home, '2.0.0')).toBeUndefined();
    expect(await readMarker(home, '1.0.0')).toBeUndefined();
    await writeFile(join(home, MARKER_FILE), '{not json');
    expect(await readMarker(home, '2.0.0')).toBeUndefined();
    expect(await readFile(join(home, MARKER_FILE), 'utf8')).toBe('{not json');
  });
});
