import { describe, expect, it } from 'vitest';
import { baseImageKey, baseImageTag, debootstrapArgs, defaultBaseImageSpec } from './base-image';
import {
  failedAction,
  failedTasks,
  idempotenceFailures,
  instanceName,
  parseActions,
  scenarioArgs,
  stripAnsi,
} from './scenario';

// Shapes of real `molecule test` output (molecule 26.10, ANSIBLE_FORCE_COLOR=0), trimmed.
const PASSED = `INFO     [default > destroy] Executing
TASK [Wait for instance(s) deletion to complete] *******************************
FAILED - RETRYING: [localhost]: Wait for instance(s) deletion to complete (300 retries left).
INFO     [default > destroy] Executed: Successful
INFO     [default > converge] Executing
INFO     [default > converge] Executed: Successful
INFO     [default > idempotence] Executing
INFO     [default > idempotence] Executed: Successful
DETAILS
default > destroy: Executed: Successful
default > converge: Executed: Successful
default > idempotence: Executed: Successful
`;
const CONVERGE_FAILED = `INFO     [default > converge] Executing
TASK [admin : Create the admin account] ****************************************
changed: [infra-molecule-admin-1]
TASK [admin : A task that is broken on purpose] ********************************
fatal: [infra-molecule-admin-1]: FAILED! => {"changed": false, "cmd": ["/bin/false"], "rc": 1}
PLAY RECAP *********************************************************************
ERROR    Ansible return code was 2, command was: ansible-playbook converge.yml
DETAILS
default > converge: Executed: Failed (Ansible return code was 2, command was: ansible-playbook converge.yml)
`;
// The real shape (molecule 26.10, stderr): the list names no host, and DETAILS calls idempotence successful.
const NOT_IDEMPOTENT = stripAnsi(`INFO     [default > converge] Executed: Successful
INFO     [default > idempotence] Executing
CRITICAL Idempotence test failed because of the following tasks:
*  => admin : Always reports a change
*  [infra-molecule-admin-1] => admin : Another one
ERROR    [default > idempotence] \u001b[31mExecuted: Failed\u001b[0m
WARNING  [default > idempotence] An error occurred during the test sequence action: 'idempotence'. Cleaning up.
DETAILS
default > converge: Executed: Successful
default > idempotence: Executed: Successful
`);
const RAISED = `INFO     [default > create] Executing
INFO     [default > create] Executed: Successful
INFO     [default > converge] Executing
CRITICAL Something Molecule raised
`;

describe('Molecule output', () => {
  it('reads each action outcome, last report winning, in the order they ran', () => {
    expect(parseActions(PASSED).map((a) => `${a.action}=${a.outcome}`)).toEqual([
      'destroy=Successful',
      'converge=Successful',
      'idempotence=Successful',
    ]);
    expect(failedAction(PASSED)).toBeUndefined();
    // The destroy playbook's retries are not failures.
    expect(failedTasks(PASSED)).toEqual([]);
  });

  it('names the failed action and task', () => {
    expect(failedAction(CONVERGE_FAILED)).toMatchObject({ action: 'converge', outcome: 'Failed' });
    expect(failedTasks(CONVERGE_FAILED)).toEqual(['admin : A task that is broken on purpose']);
  });

  it('lists the tasks that changed on the second run', () => {
    expect(failedAction(NOT_IDEMPOTENT)?.action).toBe('idempotence');
    expect(idempotenceFailures(NOT_IDEMPOTENT)).toEqual([
      'admin : Always reports a change',
      'admin : Another one',
    ]);
    expect(idempotenceFailures(PASSED)).toEqual([]);
  });

  it('takes an action that started and never succeeded as the failed one', () => {
    expect(failedAction(RAISED)).toEqual({ action: 'converge', outcome: 'Failed' });
    expect(failedAction(PASSED)).toBeUndefined();
  });
});

describe('scenario inputs', () => {
  it('keys the base image by what makes it, not by where it is built', () => {
    const spec = defaultBaseImageSpec({});
    expect(spec).toEqual({
      suite: 'bookworm',
      variant: 'minbase',
      include: ['python3'],
      mirror: 'http://deb.debian.org/debian',
    });
    expect(baseImageKey({ ...spec, mirror: 'http://deb.debian.org/debian/' })).toBe(baseImageKey(spec));
    expect(baseImageKey({ ...spec, include: ['python3', 'sudo'] })).not.toBe(baseImageKey(spec));
    expect(baseImageKey({ ...spec, suite: 'trixie' })).not.toBe(baseImageKey(spec));
    expect(baseImageTag(spec)).toMatch(/^localhost\/infra-molecule-debian:bookworm-[0-9a-f]{16}$/);
    expect(debootstrapArgs(spec, '/tmp/r')).toEqual([
      '--variant=minbase',
      '--include=python3',
      'bookworm',
      '/tmp/r',
      'http://deb.debian.org/debian',
    ]);
  });

  it('names the container per checkout and role, and passes the shared base config', () => {
    expect(instanceName('/a/ansible/roles/admin')).toBe(instanceName('/a/ansible/roles/admin'));
    expect(instanceName('/a/ansible/roles/admin')).not.toBe(instanceName('/b/ansible/roles/admin'));
    expect(instanceName('/a/ansible/roles/admin')).toMatch(/^infra-molecule-admin-[0-9a-f]{8}$/);
    expect(
      scenarioArgs({
        repoRoot: '/r',
        roleDir: '/r/ansible/roles/admin',
        scenario: 'default',
        baseImageTag: 't',
      }),
    ).toEqual(['--base-config', '/r/ansible/molecule/base.yml', 'test', '--scenario-name', 'default']);
  });
});
