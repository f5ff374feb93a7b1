import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';

/**
 * Pure parts of a Molecule run: the environment and arguments it gets, and what its output says about the
 * action that failed. Molecule prints one `[<scenario> > <action>] Executed: <outcome>` line per action (with
 * colour: `<scenario> ➜ <action>: Executed: <outcome>`, and the same again in its closing DETAILS block).
 */
export interface ScenarioInput {
  repoRoot: string;
  roleDir: string;
  scenario: string;
  baseImageTag: string;
}

/**
 * One container name per checkout and role: two checkouts never share a container, and the `destroy` that
 * starts every scenario removes what an interrupted run of the same role left behind (and nothing else).
 */
export function instanceName(roleDir: string): string {
  const role = basename(roleDir).replace(/[^a-zA-Z0-9_.-]/g, '-');
  const checkout = createHash('sha256').update(roleDir).digest('hex').slice(0, 8);
  return `infra-molecule-${role}-${checkout}`;
}

/** On top of the toolchain environment, which brings molecule, ansible and podman with its CONTAINERS_CONF. */
export function scenarioEnv(input: ScenarioInput): Record<string, string> {
  return {
    MOLECULE_BASE_IMAGE: input.baseImageTag,
    MOLECULE_INSTANCE_NAME: instanceName(input.roleDir),
    ANSIBLE_CONFIG: join(input.repoRoot, 'ansible', 'ansible.cfg'),
    ANSIBLE_FORCE_COLOR: '0',
    NO_COLOR: '1',
    PY_COLORS: '0',
  };
}

export const scenarioArgs = (input: ScenarioInput): string[] => [
  '--base-config',
  join(input.repoRoot, 'ansible', 'molecule', 'base.yml'),
  'test',
  '--scenario-name',
  input.scenario,
];

/** Molecule colours some words even with NO_COLOR (its `Executed: Failed`); parse the text without them. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences start with ESC.
export const stripAnsi = (text: string) => text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');

export interface ActionOutcome {
  action: string;
  outcome: string;
  detail?: string;
}

// `[default > verify] Executed: …` while running, `default > verify: Executed: …` (or `default ➜ verify: …`
// with colour) in the closing DETAILS block.
const ACTION_LINE =
  /(?:\[[\w-]+ > |[\w-]+ [>➜] )([a-z_-]+)(?:\]|:) Executed: ([A-Za-z ]+?)(?:\s+\((.*)\))?\s*$/;

/**
 * Each action's reported outcome, in the order the actions first ran. A `Failed` report sticks: Molecule's
 * closing DETAILS block can list an action as successful after it failed (seen with idempotence).
 */
export function parseActions(output: string): ActionOutcome[] {
  const outcomes = new Map<string, ActionOutcome>();
  for (const line of output.split('\n')) {
    const match = ACTION_LINE.exec(line.trim());
    if (!match) continue;
    const [, action, outcome, detail] = match as unknown as [string, string, string, string | undefined];
    if (outcomes.get(action)?.outcome.toLowerCase().startsWith('failed')) continue;
    outcomes.set(action, { action, outcome, ...(detail ? { detail } : {}) });
  }
  return [...outcomes.values()];
}

/**
 * The action that failed: the one reported `Failed`, else the last one that started and never reported success
 * (Molecule does not always print the outcome line when an action raises).
 */
export function failedAction(output: string): ActionOutcome | undefined {
  const reported = parseActions(output).find((entry) => entry.outcome.toLowerCase().startsWith('failed'));
  if (reported) return reported;
  let started: string | undefined;
  for (const line of output.split('\n')) {
    const executing = /\[[\w-]+ > ([a-z_-]+)\] Executing/.exec(line);
    if (executing) started = executing[1];
    const done = /\[[\w-]+ > ([a-z_-]+)\] Executed: Successful/.exec(line);
    if (done && done[1] === started) started = undefined;
  }
  return started ? { action: started, outcome: 'Failed' } : undefined;
}

/** Ansible's lines as Molecule prints them, without its box-drawing border (`│ TASK [...]`). */
const ansibleLines = (output: string) => output.split('\n').map((line) => line.replace(/^[\s│┃|]+/, ''));

/**
 * The tasks that failed: the `TASK [...]` header before each `fatal: [host]: FAILED!` line, except in the
 * destroy playbook, whose retries of "wait for deletion" are expected.
 */
export function failedTasks(output: string): string[] {
  const found: string[] = [];
  let task = '';
  let action = '';
  for (const line of ansibleLines(output)) {
    const running = /\[[\w-]+ > ([a-z_-]+)\] Executing/.exec(line);
    if (running) action = running[1] ?? '';
    const header = /^TASK \[(.+?)\]/.exec(line);
    if (header) task = header[1] ?? '';
    if (action !== 'destroy' && /^\s*(?:\S+\s+)?fatal: \[|^\s*(?:\S+\s+)?failed: \[/.test(line))
      found.push(task);
  }
  return [...new Set(found)];
}

/**
 * The tasks Molecule's idempotence check lists as changed on the second converge: `* [host] => role : task`
 * (the host part is empty in some runs: `*  => role : task`).
 */
export function idempotenceFailures(output: string): string[] {
  const start = output.indexOf('Idempotence test failed because of the following tasks:');
  if (start < 0) return [];
  const found: string[] = [];
  for (const line of output.slice(start).split('\n').slice(1)) {
    const task = /^\s*\*\s*(?:\[[^\]]*\])?\s*=>\s*(.+)$/.exec(line)?.[1]?.trim();
    if (!task) break;
    found.push(task);
  }
  return found;
}
