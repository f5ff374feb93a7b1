import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { capture } from './exec';
import { isOurShim, renderShim } from './shim';

/** A stand-in "tool" that prints its arguments and the variables the shim manages. */
async function fakeTool(dir: string): Promise<string> {
  const path = join(dir, 'tool');
  await writeFile(
    path,
    `#!/bin/sh\nfor a in "$@"; do printf "arg=%s\\n" "$a"; done\nprintf "PLUGINS=%s\\nCHECK=%s\\nPYTHONPATH=%s\\nPATH1=%s\\n" "$PACKER_PLUGIN_PATH" "$CHECKPOINT_DISABLE" "$PYTHONPATH" "\${PATH%%:*}"\n`,
  );
  await chmod(path, 0o755);
  return path;
}

async function runShim(text: string, args: string[], env: Record<string, string | undefined>) {
  const dir = await mkdtemp(join(tmpdir(), 'infra-shim-'));
  const shim = join(dir, 'shim');
  await writeFile(shim, text);
  await chmod(shim, 0o755);
  const clean: NodeJS.ProcessEnv = { PATH: '/usr/bin:/bin' };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) clean[k] = v;
  const result = await capture(shim, args, { env: clean });
  return Object.fromEntries(
    result.stdout
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const)
      .reduce<[string, string][]>((acc, [k, v]) => {
        const existing = acc.find(([key]) => key === k);
        if (existing) existing[1] += `|${v}`;
        else acc.push([k, v]);
        return acc;
      }, []),
  );
}

describe('renderShim', () => {
  it('execs the target with the arguments intact, quoting odd paths', async () => {
    const dir = await mkdtemp(join(tmpdir(), "infra shim 'dir' "));
    const target = await fakeTool(dir);
    const text = renderShim({ name: 'tool', command: [target], describe: 'tool 1.0 (test)' });
    expect(isOurShim(text)).toBe(true);
    const out = await runShim(text, ['a b', "it's", '$HOME', ''], {});
    expect(out.arg).toBe("a b|it's|$HOME|");
  });

  it('sets defaults only when unset, and path defaults also when they name a missing path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'infra-shim-'));
    const target = await fakeTool(dir);
    const text = renderShim({
      name: 'packer',
      command: [target],
      defaults: { CHECKPOINT_DISABLE: '1' },
      pathDefaults: { PACKER_PLUGIN_PATH: '/cache/plugins' },
      describe: 'packer',
    });
    expect(await runShim(text, [], {})).toMatchObject({ PLUGINS: '/cache/plugins', CHECK: '1' });
    expect(await runShim(text, [], { CHECKPOINT_DISABLE: '0', PACKER_PLUGIN_PATH: dir })).toMatchObject({
      PLUGINS: dir,
      CHECK: '0',
    });
    // A stale global setting (a file that does not exist) must not break the offline setup.
    expect(await runShim(text, [], { PACKER_PLUGIN_PATH: '/nonexistent/plugins' })).toMatchObject({
      PLUGINS: '/cache/plugins',
    });
  });

  it('prepends directories to PATH-like variables, keeping what the caller had', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'infra-shim-'));
    const target = await fakeTool(dir);
    const text = renderShim({
      name: 'x',
      command: ['/bin/sh', target],
      prepend: { PYTHONPATH: ['/opt/ci/lib'], PATH: ['/venv/bin'] },
      describe: 'x',
    });
    expect(await runShim(text, [], {})).toMatchObject({ PYTHONPATH: '/opt/ci/lib', PATH1: '/venv/bin' });
    expect(await runShim(text, [], { PYTHONPATH: '/mine' })).toMatchObject({
      PYTHONPATH: '/opt/ci/lib:/mine',
    });
  });

  it('refuses variable names that would inject shell code', () => {
    expect(() =>
      renderShim({ name: 'x', command: ['/x'], defaults: { 'A;rm -rf /': '1' }, describe: 'x' }),
    ).toThrow(/invalid variable name/);
  });

  it('recognises only its own shims', () => {
    expect(isOurShim('#!/bin/sh\nexec /usr/bin/tofu "$@"\n')).toBe(false);
    expect(isOurShim(renderShim({ name: 'x', command: ['/x'], describe: 'x' }))).toBe(true);
  });
});
