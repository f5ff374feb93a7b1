#!/usr/bin/env tsx
/**
 * The Proxmox VE 9.0 simulator for humans (tests start it in-process with `startSimulator`). State lives in
 * `.infra/sim/` at the repo root unless --state-dir says otherwise. `sim.ts --help` lists the commands.
 */
import { once } from 'node:events';
import { readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  defineCommand,
  defineGroup,
  InfraError,
  jsonOption,
  option,
  positional,
  printResult,
  runScript,
  writeFileAtomic,
} from '@infra/core';
import type { PveSimErrorCode } from '@infra/pve-sim';
import { z } from 'zod';
import type { ScriptsErrorCode } from './support/error-codes';

/** Loaded when a command runs, not at import, so `--help` stays quick. */
const simulator = () => import('@infra/pve-sim');

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

const common = {
  'state-dir': option.string('where the simulator keeps its state', {
    value: 'dir',
    default: join(REPO_ROOT, '.infra', 'sim'),
  }),
  json: jsonOption,
};

const start = defineCommand({
  description: 'serve the Proxmox VE API on 127.0.0.1 (in the foreground, or --detach)',
  options: {
    ...common,
    port: option.integer('port to listen on (0: any free port)', { default: 8006, min: 0, max: 65535 }),
    detach: option.flag('run in the background; prints the URL and fingerprint once it serves'),
    faults: option.string('fault rules to inject, as JSON or @file.json', { value: 'json|@file' }),
    seed: option.string('seed for generated ids and timing jitter', { value: 'seed' }),
    'task-ms': option.integer('how long each simulated task runs', { min: 0 }),
    'auth-delay-ms': option.integer('delay before answering a failed login', { min: 0 }),
  },
  examples: ['sim.ts start --detach --port 0 --json'],
  run: async ({ args, log, signal }) => {
    const pve = await simulator();
    const stateDir = resolve(args['state-dir']);
    const running = await pve.findRunning(stateDir);
    if (running) {
      throw new InfraError<PveSimErrorCode>(
        'SIM_ALREADY_RUNNING',
        `a simulator (pid ${running.pid}) already serves ${stateDir} at ${running.url}`,
        { hint: 'pnpm tsx scripts/sim.ts stop' },
      );
    }
    const faults = args.faults ? await pve.parseFaultsArgument(args.faults) : [];
    if (args.detach) {
      // Re-run this script in the foreground as a detached child; it writes sim.json once it serves.
      const childArgs = process.argv.slice(1).filter((a) => a !== '--detach');
      const info = await pve.startDetached(stateDir, [...process.execArgv, ...childArgs]);
      printResult(
        { ...info, stateDir },
        args.json,
        () => `simulator running at ${info.url} (pid ${info.pid})\nfingerprint ${info.fingerprint}`,
      );
      return;
    }
    const sim = await pve.startSimulator({
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
    // Serving until SIGINT/SIGTERM is this command's normal end, not an interruption.
    if (!signal.aborted) await once(signal, 'abort');
    log.step('stopping (waiting for running tasks)');
    await sim.stop();
    await rm(pidFile, { force: true });
    return 0;
  },
});

const stop = defineCommand({
  description: 'stop the simulator serving --state-dir',
  options: common,
  run: async ({ args }) => {
    const pve = await simulator();
    const stopped = await pve.stopSim(resolve(args['state-dir']));
    printResult({ stopped: stopped !== null, pid: stopped?.pid }, args.json, () =>
      stopped ? `stopped the simulator (pid ${stopped.pid})` : 'no simulator was running',
    );
  },
});

const status = defineCommand({
  description: 'whether it runs, where, and how many VMs and tasks its state holds',
  options: common,
  run: async ({ args }) => {
    const pve = await simulator();
    const stateDir = resolve(args['state-dir']);
    const info = await pve.findRunning(stateDir);
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
  },
});

const reset = defineCommand({
  description: 'reset the state to a fresh PVE install',
  options: common,
  run: async ({ args }) => {
    const pve = await simulator();
    const stateDir = resolve(args['state-dir']);
    await pve.resetSim(stateDir);
    printResult({ reset: true, stateDir }, args.json, () => `reset ${stateDir} to a fresh PVE install`);
  },
});

const token = defineCommand({
  description: 'issue an API token (shown once, like `pveum user token add`)',
  options: {
    ...common,
    id: option.string('token id', { value: 'user@realm!name', default: 'root@pam!infra' }),
    privsep: option.flag('privilege-separated token: it gets only the --role grants'),
    role: option.list('grant a role on a path (repeatable)', {
      value: '/path=Role',
      item: z.string().regex(/^\/[^=]*=\w+$/, 'use --role /path=RoleName'),
    }),
  },
  run: async ({ args, log }) => {
    const pve = await simulator();
    const roles = args.role.map((r) => {
      const [path, roleid] = r.split('=') as [string, string];
      return { path, roleid };
    });
    const secret = await pve.issueSimToken(resolve(args['state-dir']), {
      id: args.id,
      privsep: args.privsep,
      roles,
    });
    // Written to stdout directly because the redacting printer would mask it: asked for, shown once.
    const header = `PVEAPIToken=${args.id}=${secret}`;
    process.stdout.write(args.json ? `${JSON.stringify({ id: args.id, secret, header })}\n` : `${header}\n`);
    log.info('the secret is shown only now; the simulator keeps only its hash');
  },
});

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

const passwd = defineCommand({
  description: "set a user's password, read from stdin",
  options: common,
  positionals: { userid: positional.required('userid', 'the user, e.g. root@pam') },
  examples: ["echo 'secret' | sim.ts passwd root@pam"],
  run: async ({ args }) => {
    const pve = await simulator();
    const password = await readStdin();
    if (password.length < 5)
      throw new InfraError<ScriptsErrorCode>(
        'SIM_PASSWORD_SHORT',
        'the password read from stdin is shorter than 5 characters',
        {
          hint: 'PVE requires at least 5',
        },
      );
    await pve.setSimPassword(resolve(args['state-dir']), args.userid, password);
    printResult({ userid: args.userid }, args.json, () => `password set for ${args.userid}`);
  },
});

export const command = defineGroup({
  description: 'the Proxmox VE 9.0 simulator: start, stop, inspect, hand out tokens',
  subcommands: { start, stop, status, reset, token, passwd },
});

await runScript(import.meta.url, command);
