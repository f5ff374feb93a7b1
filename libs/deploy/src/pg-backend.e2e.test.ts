import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, isInfraError } from '@infra/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployEnvironment } from './deploy';
import { assertDeployToolchain } from './testing/tools';
import { createWorld, TEMPLATE_TAG, type World } from './testing/world';

/**
 * The pg backend against a real PostgreSQL (Debian's `postgresql` package), started by this test on a
 * loopback port with password auth: two concurrent applies, the second refused on the lock while the first
 * applies; the state stays whole (a re-plan shows no changes) and the table holds ciphertext only.
 */
const PG_BIN = '/usr/lib/postgresql/15/bin';
const TIMEOUT = 600_000;
const PG_PASSWORD = 'pg-password-for-the-deploy-test';
let pgDir: string;
let port: number;
let world: World;

const asPostgres = (command: string, args: string[]) =>
  execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, command), ...args], {
    stdio: 'pipe',
  }).toString();

const psql = (sql: string) =>
  execFileSync(
    join(PG_BIN, 'psql'),
    ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-At', '-c', sql],
    {
      env: { PGPASSWORD: PG_PASSWORD, PATH: process.env.PATH },
    },
  ).toString();

/** The pg backend locks the state with a session advisory lock (pg_try_advisory_lock). */
async function waitForAdvisoryLock(timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (psql("select count(*) from pg_locks where locktype = 'advisory' and granted").trim() === '0') {
    if (Date.now() > deadline) throw new Error(`tofu took no advisory lock within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: p } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return p;
}

beforeAll(async () => {
  await assertDeployToolchain();
  if (!existsSync(join(PG_BIN, 'initdb')))
    throw new Error(`this test needs PostgreSQL 15 in ${PG_BIN}: apt-get install postgresql`);
  pgDir = await mkdtemp(join(tmpdir(), 'infra-pg-'));
  await chmod(pgDir, 0o777);
  const pwfile = join(pgDir, 'pw');
  await writeFile(pwfile, PG_PASSWORD, { mode: 0o644 });
  execFileSync('chown', ['-R', 'postgres', pgDir]);
  asPostgres('initdb', [
    '-D',
    join(pgDir, 'data'),
    '-U',
    'postgres',
    '--auth=scram-sha-256',
    `--pwfile=${pwfile}`,
  ]);
  port = await freePort();
  asPostgres('pg_ctl', [
    '-D',
    join(pgDir, 'data'),
    '-o',
    `-c listen_addresses=127.0.0.1 -p ${port} -k ${pgDir}`,
    '-l',
    join(pgDir, 'log'),
    '-w',
    'start',
  ]);
  world = await createWorld({
    secrets: (s) => ({
      ...s,
      tofu: {
        statePassphrase: s.tofu!.statePassphrase,
        pgConnStr: `postgres://postgres:${PG_PASSWORD}@127.0.0.1:${port}/postgres?sslmode=disable`,
      },
    }),
  });
  const main = join(world.rootDir, 'main.tf');
  await writeFile(main, (await readFile(main, 'utf8')).replace('backend "local" {}', 'backend "pg" {}'));
}, TIMEOUT);

afterAll(async () => {
  await world?.close();
  if (pgDir) {
    try {
      asPostgres('pg_ctl', ['-D', join(pgDir, 'data'), '-m', 'fast', '-w', 'stop']);
    } finally {
      await rm(pgDir, { recursive: true, force: true });
    }
  }
});

const wanted = { base: { tag: TEMPLATE_TAG, source: 'the test world', build: 'createWorld()' } };

describe('pg backend with locking', () => {
  it(
    'a second apply is refused while the first holds the lock; the state stays whole and encrypted',
    async () => {
      let applying: () => void = () => {};
      const inApply = new Promise<void>((resolve) => {
        applying = resolve;
      });
      const watcher = createLogger({
        write: (chunk: string) => {
          if (chunk.includes('tofu apply')) applying();
          return true;
        },
      });
      const request = {
        environment: world.environment,
        action: 'apply' as const,
        rootDir: world.rootDir,
        templates: wanted,
        variables: { vm_count: 2 },
        yes: true,
        env: world.env,
      };
      const first = deployEnvironment({ ...request, logger: watcher });
      await inApply;
      // "tofu apply" is logged before tofu takes the lock: wait until PostgreSQL holds it, or the second apply
      // could take it first on a busy machine.
      await waitForAdvisoryLock();
      const second = await deployEnvironment(request).catch((e: unknown) => e);
      expect(isInfraError(second) && second.code).toBe('DEPLOY_STATE_LOCKED');
      expect((second as Error).message).toContain('PostgreSQL schema infra_test');
      const done = await first;
      expect(done).toMatchObject({ applied: true, changes: { add: 2 } });

      const replan = await deployEnvironment({ ...request, action: 'plan' });
      expect(replan.changed).toBe(false);
      const guests = Object.values(world.sim.state.vms).filter((vm) => vm.config.template !== '1');
      expect(guests).toHaveLength(2);

      const table = psql('select * from infra_test.states');
      expect(table).toContain('encrypted_data');
      for (const needle of [
        world.secrets.proxmox.tokenSecret,
        world.secrets.tofu!.statePassphrase,
        'fixture-1',
      ])
        expect(table).not.toContain(needle);

      await deployEnvironment({ ...request, action: 'destroy' });
      expect(Object.values(world.sim.state.vms).filter((vm) => vm.config.template !== '1')).toEqual([]);
    },
    TIMEOUT,
  );
});
