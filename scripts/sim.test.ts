import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { dataOf, simRequest } from '@infra/pve-sim';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('./sim.ts', import.meta.url));
const sim = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { timeout: 60_000 });

let stateDir: string;
afterAll(async () => {
  await sim('stop', '--state-dir', stateDir).catch(() => undefined);
  await rm(join(stateDir, '..', '..'), { recursive: true, force: true });
});

describe('scripts/sim.ts', () => {
  it('starts detached in a state folder that does not exist yet, hands out a token, reports status, and stops', async () => {
    // As on a fresh clone: no .infra/sim/ yet (the detached start opens sim.log in it first).
    stateDir = join(await mkdtemp(join(tmpdir(), 'pve-sim-cli-')), 'not-yet', 'sim');
    const started = JSON.parse(
      (await sim('start', '--detach', '--port', '0', '--state-dir', stateDir, '--json')).stdout,
    );
    expect(started).toMatchObject({
      url: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/),
      fingerprint: expect.stringMatching(/^[0-9A-F:]{95}$/),
    });

    const token = JSON.parse((await sim('token', '--state-dir', stateDir, '--json')).stdout) as {
      header: string;
    };
    const endpoint = {
      url: started.url as string,
      caPem: await readFile(join(stateDir, 'tls', 'pve-root-ca.pem'), 'utf8'),
    };
    expect(
      dataOf<{ version: string }>(await simRequest(endpoint, 'GET', '/version', { auth: token.header }))
        .version,
    ).toBe('9.0.3');

    const status = JSON.parse((await sim('status', '--state-dir', stateDir, '--json')).stdout);
    expect(status).toMatchObject({ running: true, pid: started.pid });
    await expect(sim('start', '--state-dir', stateDir)).rejects.toMatchObject({
      stderr: expect.stringContaining('SIM_ALREADY_RUNNING'),
    });

    expect(JSON.parse((await sim('stop', '--state-dir', stateDir, '--json')).stdout)).toEqual({
      stopped: true,
      pid: started.pid,
    });
    expect(JSON.parse((await sim('status', '--state-dir', stateDir, '--json')).stdout)).toMatchObject({
      running: false,
    });
  });

  it('rejects bad arguments with a usage error (exit 2)', async () => {
    await expect(sim('explode')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unknown command "explode"'),
    });
    await expect(sim('start', '--prot', '1')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/unknown option --prot \[USAGE\]\nusage: sim\.ts start /),
    });
    await expect(sim('start', '--faults', '{"kind":"nope"}', '--state-dir', stateDir)).rejects.toMatchObject({
      stderr: expect.stringContaining('SIM_FAULTS_INVALID'),
    });
  });
});
