import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { InfraError, startDaemon } from '@infra/core';
import { z } from 'zod';
import { ADMIN_KEY_FILE, issueTokenWithRoles, type TokenRequest } from './admin';
import { type Accounts, accountsSchema, applyAccounts, hashPassword } from './auth/accounts';
import type { PveSimErrorCode } from './error-codes';
import { type FaultRule, faultRulesSchema } from './faults';
import { StateStore } from './state/store';

/**
 * Managing a simulator that runs in another process (what `scripts/sim.ts` does): find it through
 * `<stateDir>/sim.json`, talk to its `/_sim/` admin endpoints with the key in `<stateDir>/admin.key`, or —
 * when none runs — change the state file directly.
 */
const runningInfoSchema = z.object({
  url: z.string(),
  port: z.number(),
  pid: z.number(),
  fingerprint: z.string(),
});
export type RunningInfo = z.infer<typeof runningInfoSchema>;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The live simulator serving `stateDir`, or null. */
export async function findRunning(stateDir: string): Promise<RunningInfo | null> {
  const text = await readFile(join(stateDir, 'sim.json'), 'utf8').catch(() => null);
  if (!text) return null;
  const parsed = runningInfoSchema.safeParse(JSON.parse(text));
  if (!parsed.success || !alive(parsed.data.pid)) return null;
  return parsed.data;
}

/** Calls an admin endpoint of the running simulator (TLS verified against its own CA). */
export async function adminCall<T>(
  stateDir: string,
  info: RunningInfo,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const [key, ca] = await Promise.all([
    readFile(join(stateDir, ADMIN_KEY_FILE), 'utf8'),
    readFile(join(stateDir, 'tls', 'pve-root-ca.pem'), 'utf8'),
  ]);
  const payload = body === undefined ? '' : JSON.stringify(body);
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(
      new URL(path, info.url),
      {
        method,
        ca,
        headers: {
          'X-Sim-Admin': key.trim(),
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (data += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: data }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
  if (status !== 200)
    throw new InfraError<PveSimErrorCode>(
      'SIM_ADMIN_FAILED',
      `the simulator refused ${method} ${path}: ${status} ${text}`,
      {
        hint: 'check `./infra sim status`',
      },
    );
  return JSON.parse(text) as T;
}

/** Issues a token on the running simulator, or in the state file when none runs. Returns the secret. */
export async function issueSimToken(stateDir: string, token: TokenRequest): Promise<string> {
  const info = await findRunning(stateDir);
  if (info)
    return (await adminCall<{ secret: string }>(stateDir, info, 'POST', '/_sim/tokens', token)).secret;
  const store = await StateStore.open(stateDir);
  const secret = issueTokenWithRoles({ store }, token);
  await store.save();
  return secret;
}

/**
 * Makes sure users, tokens (with the given secrets) and ACLs exist — on the running simulator or in the state
 * file — so a script can reuse a simulator someone started with `scripts/sim.ts start --detach`.
 */
export async function ensureSimAccounts(stateDir: string, accounts: Accounts): Promise<void> {
  const parsed = accountsSchema.parse(accounts);
  const info = await findRunning(stateDir);
  if (info) {
    await adminCall(stateDir, info, 'POST', '/_sim/accounts', parsed);
    return;
  }
  const store = await StateStore.open(stateDir);
  applyAccounts(store.state, parsed);
  await store.save();
}

export async function setSimPassword(stateDir: string, userid: string, password: string): Promise<void> {
  const info = await findRunning(stateDir);
  if (info) {
    await adminCall(stateDir, info, 'POST', '/_sim/password', { userid, password });
    return;
  }
  const store = await StateStore.open(stateDir);
  store.state.users[userid] ??= { enable: true, expire: 0, groups: [] };
  store.state.users[userid]!.passwordHash = hashPassword(password);
  await store.save();
}

/** Back to a fresh PVE install (running or not). */
export async function resetSim(stateDir: string): Promise<void> {
  const info = await findRunning(stateDir);
  if (info) {
    await adminCall(stateDir, info, 'POST', '/_sim/reset');
    return;
  }
  const store = await StateStore.open(stateDir);
  await store.reset();
}

/** SIGTERM to the simulator process we started, then wait until it has exited. */
export async function stopSim(stateDir: string, timeoutMs = 15_000): Promise<RunningInfo | null> {
  const info = await findRunning(stateDir);
  if (!info) return null;
  process.kill(info.pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (alive(info.pid)) {
    if (Date.now() > deadline)
      throw new InfraError<PveSimErrorCode>(
        'SIM_STOP_TIMEOUT',
        `the simulator (pid ${info.pid}) did not stop within ${timeoutMs / 1000} s`,
        { hint: `look at ${join(stateDir, 'sim.log')}` },
      );
    await sleep(50);
  }
  return info;
}

/** Starts `node <args>` detached (output to `<stateDir>/sim.log`) and waits until it serves. */
export async function startDetached(
  stateDir: string,
  nodeArgs: string[],
  timeoutMs = 30_000,
): Promise<RunningInfo> {
  const logFile = join(stateDir, 'sim.log');
  // A fresh clone has no state folder yet: the log is opened before the child creates the rest.
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  // The minimal environment, plus the one variable the simulator reads (its request log).
  const child = await startDaemon(process.execPath, nodeArgs, { logFile, pass: ['PVE_SIM_LOG'] });
  child.detach();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const info = await findRunning(stateDir);
    if (info && info.pid === child.pid) return info;
    if (!child.running) break;
    await sleep(100);
  }
  throw new InfraError<PveSimErrorCode>(
    'SIM_START_FAILED',
    `the simulator did not come up (see ${logFile})`,
    {
      hint: 'run it in the foreground to see the error: ./infra sim start',
    },
  );
}

/** `--faults '<json>'` or `--faults @file.json`: one rule or an array of rules. */
export async function parseFaultsArgument(value: string): Promise<FaultRule[]> {
  const text = value.startsWith('@') ? await readFile(value.slice(1), 'utf8') : value;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InfraError<PveSimErrorCode>('SIM_FAULTS_INVALID', '--faults is not valid JSON', {
      hint: `example: --faults '[{"kind":"latency","ms":50}]'`,
    });
  }
  const parsed = faultRulesSchema.safeParse(Array.isArray(json) ? json : [json]);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InfraError<PveSimErrorCode>(
      'SIM_FAULTS_INVALID',
      `--faults: ${issue?.path.join('.') || 'rule'}: ${issue?.message}`,
      { hint: 'see libs/pve-sim/README.md (Fault injection) for the rule kinds and fields' },
    );
  }
  return parsed.data;
}
