import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isInfraError } from '@infra/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMoleculeScenario } from './run';

/**
 * The real thing: molecule, podman and the Debian base image (built here when the machine has none yet, which
 * is most of this file's cold cost). A copy of the admin role gets a broken task, then a task that is not
 * idempotent; each must fail its scenario, with the action and task named. The roles themselves pass through
 * their Nx `molecule` targets (`nx run-many -t molecule`, a stage of `pnpm test`).
 */
const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');
const TIMEOUT = 30 * 60_000;

async function roleWith(dir: string, extraTask: string): Promise<string> {
  const roleDir = join(dir, 'roles', 'admin');
  await rm(roleDir, { recursive: true, force: true });
  await cp(join(REPO_ROOT, 'ansible', 'roles', 'admin'), roleDir, { recursive: true });
  const tasks = join(roleDir, 'tasks', 'main.yml');
  await writeFile(tasks, `${await readFile(tasks, 'utf8')}\n${extraTask}`);
  return roleDir;
}

async function failureOf(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isInfraError(error)) throw new Error(`expected an InfraError, got ${String(error)}`);
  return error;
}

describe('Molecule scenarios that must fail', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'molecule-broken-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it(
    'a broken task fails converge, naming the task',
    async () => {
      const roleDir = await roleWith(
        dir,
        '- name: A task that is broken on purpose\n  ansible.builtin.command: /bin/false\n  changed_when: false\n',
      );
      const error = await failureOf(runMoleculeScenario({ repoRoot: REPO_ROOT, roleDir, onLine: () => {} }));
      expect(error.code).toBe('MOLECULE_FAILED');
      expect(error.message).toBe(
        'admin: molecule converge failed at "admin : A task that is broken on purpose"',
      );
    },
    TIMEOUT,
  );

  it(
    'a task that changes on every run fails idempotence, naming the task',
    async () => {
      const roleDir = await roleWith(
        dir,
        '- name: Always reports a change\n  ansible.builtin.command: /bin/true\n',
      );
      const error = await failureOf(runMoleculeScenario({ repoRoot: REPO_ROOT, roleDir, onLine: () => {} }));
      expect(error.code).toBe('MOLECULE_FAILED');
      expect(error.message).toMatch(
        /^admin: molecule idempotence failed \(not idempotent: "admin : Always reports a change"/,
      );
    },
    TIMEOUT,
  );
});
