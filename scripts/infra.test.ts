import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyWorkingTree } from './testing/workspace-copy';

/**
 * The `./infra` entry script in a throw-away copy of the working tree: `eval "$(./infra env)"` must survive a
 * lockfile newer than the installed packages (pnpm's dependency check used to print an install summary on
 * stdout, and eval ran it), `./infra help` lists the workflows and every script, and the generated bash
 * completion completes scripts, subcommands and option values.
 */
const repoRoot = resolve(import.meta.dirname, '..');
let work: string;
let copy: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'infra-entry-'));
  copy = join(work, 'repo');
  await copyWorkingTree(repoRoot, copy);
}, 120_000);
afterAll(() => rm(work, { recursive: true, force: true }));

const env = () => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  ...(process.env.INFRA_CACHE_DIR ? { INFRA_CACHE_DIR: process.env.INFRA_CACHE_DIR } : {}),
  NO_COLOR: '1',
});
const bash = (script: string) =>
  execa('bash', ['-euo', 'pipefail', '-c', script], {
    cwd: copy,
    env: env(),
    extendEnv: false,
    reject: false,
    timeout: 120_000,
  });

describe('./infra', () => {
  it('env: eval survives a touched pnpm-lock.yaml; stdout is export lines only; PATH has the tools', async () => {
    const future = new Date(Date.now() + 60_000);
    await utimes(join(copy, 'pnpm-lock.yaml'), future, future);

    const printed = await execa(join(copy, 'infra'), ['env'], {
      cwd: copy,
      env: env(),
      extendEnv: false,
      reject: false,
      timeout: 120_000,
    });
    expect(printed.exitCode, printed.stderr).toBe(0);
    const lines = printed.stdout.split('\n');
    expect(lines.filter((line) => !/^export [A-Za-z_][A-Za-z0-9_]*=/.test(line))).toEqual([]);

    const shell = await bash(
      'eval "$(./infra env)"; echo "survived"; command -v tsx; command -v pnpm; printf "%s\\n" "$TF_CLI_CONFIG_FILE"',
    );
    expect(shell.exitCode, shell.stderr).toBe(0);
    const [survived, tsxPath, pnpmPath, tfConfig] = shell.stdout.split('\n');
    expect(survived).toBe('survived');
    expect(tsxPath).toBe(join(copy, 'node_modules', '.bin', 'tsx'));
    expect(pnpmPath).toMatch(/\/bin\/pnpm$/);
    expect(tfConfig).toMatch(/cli\.tfrc$/);
  }, 180_000);

  it('help lists the workflows and every script with its declared description', async () => {
    const help = await bash('./infra help');
    expect(help.exitCode, help.stderr).toBe(0);
    for (const workflow of ['up', 'test', 'setup', 'env', 'help', 'completion'])
      expect(help.stdout).toMatch(new RegExp(`^ {2}\\./infra ${workflow}\\b`, 'm'));
    expect(help.stdout).toMatch(/^ {2}\.\/infra sim +the Proxmox VE 9\.0 simulator/m);
    expect(help.stdout).toMatch(/^ {2}\.\/infra validate +run the real validators/m);
    expect(help.stdout).not.toContain('not on the command framework');
    const scriptHelp = await bash('./infra help sim start');
    expect(scriptHelp.exitCode, scriptHelp.stderr).toBe(0);
    expect(scriptHelp.stdout).toContain('usage: sim.ts start');
  }, 180_000);

  it('completion bash completes scripts, subcommands, options and fixed option values', async () => {
    const complete = (line: string) =>
      bash(
        `source <(./infra completion bash)
        read -r -a COMP_WORDS <<< ${JSON.stringify(line)}
        [[ ${JSON.stringify(line)} == *" " ]] && COMP_WORDS+=("")
        COMP_CWORD=$((\${#COMP_WORDS[@]} - 1))
        _infra_complete
        printf '%s\\n' "\${COMPREPLY[@]}"`,
      );
    const words = async (line: string) => {
      const result = await complete(line);
      expect(result.exitCode, result.stderr).toBe(0);
      return result.stdout.split('\n').filter(Boolean);
    };
    expect(await words('./infra si')).toEqual(['sim']);
    expect(await words('./infra te')).toEqual(['test']);
    expect(await words('./infra sim st')).toEqual(['start', 'stop', 'status']);
    expect(await words('./infra sim start --de')).toEqual(['--detach']);
    expect(await words('./infra test --only ')).toEqual([
      'lint',
      'typecheck',
      'vitest',
      'validate',
      'molecule',
    ]);
    expect(await words('./infra validate ansible-r')).toEqual(['ansible-role']);
    const zsh = await bash('./infra completion zsh');
    expect(zsh.stdout).toMatch(/^autoload -U \+X bashcompinit && bashcompinit$/m);
  }, 180_000);
});
