import { join } from 'node:path';
import { InfraError } from '@infra/core';
import type { ToolchainErrorCode } from '../error-codes';
import { capture, runLogged, tailLines } from '../exec';
import type { Progress } from '../progress';
import type { MarkerInput } from '../store';

export interface PythonInterpreter {
  executable: string;
  /** `3.11` */
  minor: string;
  version: string;
}

/** ansible-core 2.19 supports controller Python 3.11–3.13; the venv needs one of those. */
export const PYTHON_RANGE = { min: [3, 11], maxExclusive: [3, 14] } as const;

export function pythonSupported(major: number, minor: number): boolean {
  const value = major * 100 + minor;
  const [minMajor, minMinor] = PYTHON_RANGE.min;
  const [maxMajor, maxMinor] = PYTHON_RANGE.maxExclusive;
  return value >= minMajor * 100 + minMinor && value < maxMajor * 100 + maxMinor;
}

/** INFRA_PYTHON, else python3 on PATH, else /usr/bin/python3: the first in the supported range. */
export async function findPython(env: NodeJS.ProcessEnv = process.env): Promise<PythonInterpreter> {
  const candidates = [env.INFRA_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => Boolean(c));
  const seen: string[] = [];
  for (const candidate of candidates) {
    const result = await capture(
      candidate,
      ['-c', 'import sys, json; print(json.dumps([list(sys.version_info[:3]), sys.executable]))'],
      { env, timeoutMs: 30_000 },
    );
    if (result.code !== 0) continue;
    try {
      const [[major, minor, micro], executable] = JSON.parse(result.stdout) as [
        [number, number, number],
        string,
      ];
      seen.push(`${candidate} (${major}.${minor}.${micro})`);
      if (pythonSupported(major, minor)) {
        return { executable, minor: `${major}.${minor}`, version: `${major}.${minor}.${micro}` };
      }
    } catch {
      // not a Python we can use
    }
  }
  throw new InfraError<ToolchainErrorCode>(
    'TOOLCHAIN_PYTHON_UNSUPPORTED',
    `the Ansible tools need Python 3.11–3.13 with venv; found ${seen.length > 0 ? seen.join(', ') : 'none'}`,
    {
      hint: 'install python3 and python3-venv (apt-get install -y python3 python3-venv), or set INFRA_PYTHON to one',
    },
  );
}

/** Creates the venv in `dir` and installs the exact pins. Returns the marker (bins relative to `dir`). */
export async function installVenv(
  dir: string,
  python: PythonInterpreter,
  pins: readonly { requirement: string; bins: readonly string[] }[],
  ctx: { logFile: string; progress: Progress; subject: string; env?: NodeJS.ProcessEnv },
): Promise<MarkerInput> {
  const env = { ...(ctx.env ?? process.env), PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1' };
  const fail = async (what: string, code: number) => {
    const tail = await tailLines(ctx.logFile, 15);
    return new InfraError<ToolchainErrorCode>(
      'TOOLCHAIN_BUILD_FAILED',
      `${ctx.subject}: ${what} failed (exit ${code}); last lines of ${ctx.logFile}:\n${tail.map((l) => `    ${l}`).join('\n')}`,
      {
        hint: `read the full log at ${ctx.logFile}; the half-made venv was removed, so rerunning is safe (no venv module? apt-get install python3-venv)`,
      },
    );
  };
  let code = await ctx.progress.phase(`python ${python.version} -m venv`, () =>
    runLogged(python.executable, ['-m', 'venv', dir], { env, logFile: ctx.logFile }),
  );
  if (code !== 0) throw await fail('creating the venv', code);
  const requirements = pins.map((p) => p.requirement);
  code = await ctx.progress.phase(`pip install ${requirements.join(' ')}`, () =>
    runLogged(
      join(dir, 'bin', 'python'),
      ['-m', 'pip', 'install', '--progress-bar', 'off', ...requirements],
      {
        env,
        logFile: ctx.logFile,
        timeoutMs: 45 * 60_000,
      },
    ),
  );
  if (code !== 0) throw await fail('pip install', code);
  const bins: Record<string, string> = {};
  for (const pin of pins) for (const bin of pin.bins) bins[bin] = join('bin', bin);
  return {
    id: 'python',
    version: requirements.join(' '),
    method: 'pip',
    origin: 'PyPI',
    bins,
    extra: { python: python.executable, pythonVersion: python.version, pins: requirements },
  };
}
