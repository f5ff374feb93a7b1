#!/usr/bin/env tsx
/**
 * The Proxmox VE 9.0 simulator for humans (tests start it in-process with `startSimulator`):
 *
 *   pnpm tsx scripts/sim.ts start [--port 8006] [--detach] [--faults '<json>'|@file] [--seed N] [--task-ms N] [--auth-delay-ms N]
 *   pnpm tsx scripts/sim.ts stop | status [--json] | reset
 *   pnpm tsx scripts/sim.ts token [--id root@pam!infra] [--privsep] [--role /path=Role ...] [--json]
 *   pnpm tsx scripts/sim.ts passwd <userid>          (reads the password from stdin)
 *
 * State lives in `.infra/sim/` at the repo root unless --state-dir says otherwise.
 */
import { readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { InfraError, log, printResult, runMain, writeFileAtomic } from '@infra/core';
import {
  findRunning,
  issueSimToken,
  parseFaultsArgument,
  resetSim,
  setSimPassword,
  startDetached,
  startSimulator,
  stopSim,
} from '@infra/pve-sim';
import { z } from 'zod';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const USAGE =
  'usage: sim.ts start [--detach] [--port N] [--faults JSON|@file] | stop | status | reset | token [--id ID] | passwd <userid>';

const argsSchema = z.object({
  command: z.enum(['start', 'stop', 'status', 'reset', 'token', 'passwd'], { error: USAGE }),
  target: z.string().optional(),
  'state-dir': z.string().default(join(REPO_ROOT, '.infra', 'sim')),
  port: z.coerce.number().int().min(0).max(65535).default(8006),
  detach: z.boolean().default(false),
  faults: z.string().optional(),
  seed: z.string().optional(),
  'task-ms': z.coerce.number().int().min(0).optional(),
  'auth-delay-ms': z.coerce.number().int().min(0).optional(),
  id: z.string().default('root@pam!infra'),
  privsep: z.boolean().default(false),
  role: z.array(z.string().regex(/^\/[^=]*=\w+$/, 'use --role /path=RoleName')).default([]),
  json: z.boolean().default(false),
});
type Args = z.infer<typeof argsSchema>;

async function start(args: Args, stateDir: string): Promise<void> {
  const running = await findRunning(stateDir);
  if (running) {
    throw new InfraError(
      'SIM_ALREADY_RUNNING',
      `a simulator (pid ${running.pid}) already serves ${stateDir} at ${running.url}`,
      {
        hint: 'pnpm tsx scripts/sim.ts stop',
      },
    );
  }
  const faults = args.faults ? await parseFaultsArgument(args.faults) : [];
  if (args.detach) {
    // Re-run this script in the foreground as a detached child; it writes sim.json once it serves.
    const childArgs = process.argv.slice(1).filter((a) => a !== '--detach');
    const info = await startDetached(stateDir, [...process.execArgv, ...childArgs]);
    printResult(
      { ...info, stateDir },
      args.json,
      () => `simulator running at ${info.url} (pid ${info.pid})\nfingerprint ${info.fingerprint}`,
    );
    return;
  }
  const sim = await startSimulator({
    stateDir,
    port: args.port,
    faults,
    logger: log,
    ...(args.seed !== undefined ? { seed: args.seed } : {}),
    timing: {
      ...(args['task-ms'] !== undefined ? { taskMs: args['task-ms'] } : {}),
      ...(args['auth-delay-ms'] !== undefined ? { authFailureDelayMs: args['auth-delay-ms'] } : {}),
    },
  });
  const pidFile = join(stateDir, 'sim.pid');
  await writeFileAtomic(pidFile, `${process.pid}\n`, { mode: 0o600 });
  log.success(`Proxmox VE 9.0 simulator at ${sim.url}/api2/json (state: ${stateDir})`);
  log.info(`certificate fingerprint ${sim.fingerprint}`);
  log.info('get an API token with: pnpm tsx scripts/sim.ts token');
  await new Promise<void>((resolveStop) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolveStop());
  });
  log.step('stopping (waiting for running tasks)');
  await sim.stop();
  await rm(pidFile, { force: true });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

await runMain(async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'state-dir': { type: 'string' },
      port: { type: 'string' },
      detach: { type: 'boolean' },
      faults: { type: 'string' },
      seed: { type: 'string' },
      'task-ms': { type: 'string' },
      'auth-delay-ms': { type: 'string' },
      id: { type: 'string' },
      privsep: { type: 'boolean' },
      role: { type: 'string', multiple: true },
      json: { type: 'boolean' },
    },
  });
  const parsed = argsSchema.safeParse({ command: positionals[0], target: positionals[1], ...values });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InfraError(
      'USAGE',
      issue?.path[0] === 'command' ? USAGE : `--${String(issue?.path[0])}: ${issue?.message}`,
      { hint: USAGE },
    );
  }
  const args = parsed.data;
  const stateDir = resolve(args['state-dir']);

  switch (args.command) {
    case 'start':
      return start(args, stateDir);
    case 'stop': {
      const stopped = await stopSim(stateDir);
      printResult({ stopped: stopped !== null, pid: stopped?.pid }, args.json, () =>
        stopped ? `stopped the simulator (pid ${stopped.pid})` : 'no simulator was running',
      );
      return;
    }
    case 'status': {
      const info = await findRunning(stateDir);
      const state = await readFile(join(stateDir, 'state.json'), 'utf8').then(
        (t) => JSON.parse(t) as { vms: object; tasks: unknown[] },
        () => null,
      );
      const summary = {
        running: info !== null,
        ...info,
        stateDir,
        vms: state ? Object.keys(state.vms).length : 0,
        tasks: state?.tasks.length ?? 0,
      };
      printResult(summary, args.json, () =>
        info
          ? `running at ${info.url} (pid ${info.pid}), ${summary.vms} VMs\nfingerprint ${info.fingerprint}`
          : `not running (state: ${stateDir}, ${summary.vms} VMs)`,
      );
      return;
    }
    case 'reset':
      await resetSim(stateDir);
      printResult({ reset: true, stateDir }, args.json, () => `reset ${stateDir} to a fresh PVE install`);
      return;
    case 'token': {
      const roles = args.role.map((r) => {
        const [path, roleid] = r.split('=') as [string, string];
        return { path, roleid };
      });
      const secret = await issueSimToken(stateDir, { id: args.id, privsep: args.privsep, roles });
      // Shown once, like `pveum user token add`; written to stdout directly because the redacting printer would mask it.
      const header = `PVEAPIToken=${args.id}=${secret}`;
      process.stdout.write(
        args.json ? `${JSON.stringify({ id: args.id, secret, header })}\n` : `${header}\n`,
      );
      log.info('the secret is shown only now; the simulator keeps only its hash');
      return;
    }
    case 'passwd': {
      if (!args.target)
        throw new InfraError('USAGE', 'passwd needs a user id, e.g. root@pam', {
          hint: "echo 'secret' | pnpm tsx scripts/sim.ts passwd root@pam",
        });
      const password = await readStdin();
      if (password.length < 5)
        throw new InfraError(
          'SIM_PASSWORD_SHORT',
          'the password read from stdin is shorter than 5 characters',
          { hint: 'PVE requires at least 5' },
        );
      await setSimPassword(stateDir, args.target, password);
      printResult({ userid: args.target }, args.json, () => `password set for ${args.target}`);
      return;
    }
  }
});
