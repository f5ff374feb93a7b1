import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfraError } from '@infra/core';
import { describe, expect, it } from 'vitest';
import { hostPath, shellCommand } from './host';
import { LocalHost } from './local-host';

describe('LocalHost with a root prefix', () => {
  it('maps every path below the root and reports absent paths as undefined', async () => {
    const root = await mkdtemp(join(tmpdir(), 'infra-local-host-'));
    const host = new LocalHost({ root });
    await host.writeFileAtomic('/etc/modprobe.d/a.conf', 'x\n', { mode: 0o640 });
    expect(await readFile(join(root, 'etc/modprobe.d/a.conf'), 'utf8')).toBe('x\n');
    expect(await host.stat('/etc/modprobe.d/a.conf')).toMatchObject({ type: 'file', mode: 0o640, size: 2 });
    expect((await stat(join(root, 'etc/modprobe.d/a.conf'))).mode & 0o777).toBe(0o640);
    await writeFile(join(root, 'etc/modules-load.d'), 'a file, not a directory');
    await symlink('missing-target', join(root, 'etc/modprobe.d/dangling.conf'));
    await mkdir(join(root, 'etc/modprobe.d/sub'));
    expect(await host.listDir('/etc/modprobe.d')).toEqual([
      { name: 'a.conf', type: 'file' },
      { name: 'sub', type: 'dir' },
    ]);
    expect(await host.listDir('/etc/modules-load.d')).toBeUndefined();
    expect(await host.readFile('/etc/modules-load.d/x.conf')).toBeUndefined();
    expect([...(await host.readFiles(['/etc/modprobe.d/a.conf', '/nope']))]).toEqual([
      ['/etc/modprobe.d/a.conf', Buffer.from('x\n')],
      ['/nope', undefined],
    ]);
    expect(await host.listTree('/etc', 2)).toEqual([
      'modprobe.d',
      'modprobe.d/a.conf',
      'modprobe.d/dangling.conf',
      'modprobe.d/sub',
      'modules-load.d',
    ]);
    await host.removeFile('/etc/modprobe.d/a.conf');
    await host.removeFile('/etc/modprobe.d/a.conf');
    expect(await host.stat('/etc/modprobe.d/a.conf')).toBeUndefined();
    await expect(host.probeWritable('/etc/modules-load.d')).rejects.toMatchObject({
      code: 'HOST_FILE_UNWRITABLE',
    });
    await rm(root, { recursive: true, force: true });
  });

  it('runs commands without a shell and reports a missing command as 127', async () => {
    const host = new LocalHost();
    expect(await host.run(['sh', '-c', 'cat; echo err >&2; exit 3'], { input: 'in' })).toEqual({
      stdout: 'in',
      stderr: 'err\n',
      exitCode: 3,
    });
    expect((await host.run(['definitely-not-a-command-xyz'])).exitCode).toBe(127);
  });

  it('refuses relative paths and .. segments; quotes words for the shell', () => {
    expect(() => hostPath('/r', 'etc/x')).toThrow(InfraError);
    expect(() => hostPath('/r', '/etc/../../x')).toThrow(/without/);
    expect(hostPath('/r', '/etc//x')).toBe('/r/etc/x');
    expect(shellCommand(['sh', '-c', "echo 'a b' $HOME", 'x'])).toBe(`sh -c 'echo '\\''a b'\\'' $HOME' x`);
  });
});
