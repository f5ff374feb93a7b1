import { parse } from 'yaml';

/** The local roles and playbooks one Ansible file refers to. Role names are bare directory names. */
export interface AnsibleReferences {
  roles: string[];
  /** Playbooks imported with `import_playbook`, as written (relative to the importing playbook). */
  playbooks: string[];
}

const ROLE_INCLUDE_KEYS = new Set([
  'import_role',
  'include_role',
  'ansible.builtin.import_role',
  'ansible.builtin.include_role',
]);
const PLAYBOOK_IMPORT_KEYS = new Set(['import_playbook', 'ansible.builtin.import_playbook']);
const TASK_LIST_KEYS = ['tasks', 'pre_tasks', 'post_tasks', 'handlers', 'block', 'rescue', 'always'];

/**
 * Roles and imported playbooks of a playbook: `roles:` (strings, `{role: x}` or `{name: x}`),
 * `import_role`/`include_role` tasks at any depth (blocks included) and `import_playbook`.
 * Invalid YAML yields nothing: `validate` reports it with the linter's own message.
 */
export function playbookReferences(text: string): AnsibleReferences {
  const roles = new Set<string>();
  const playbooks = new Set<string>();
  for (const play of _asList(_parseYaml(text))) {
    if (!_isRecord(play)) continue;
    for (const key of PLAYBOOK_IMPORT_KEYS) {
      const target = play[key];
      if (typeof target === 'string') playbooks.add(target.trim());
    }
    for (const entry of _asList(play.roles)) _addRole(roles, entry);
    _collectTaskRoles(play, roles);
  }
  return { roles: [...roles], playbooks: [...playbooks] };
}

/** Roles a task file (e.g. `roles/x/tasks/main.yml`) includes or imports, at any depth. */
export function taskFileRoles(text: string): string[] {
  const roles = new Set<string>();
  for (const task of _asList(_parseYaml(text))) _collectTask(task, roles);
  return [...roles];
}

/** `dependencies:` of a role's `meta/main.yml` (strings, `{role: x}` or `{name: x}`). */
export function roleMetaDependencies(text: string): string[] {
  const meta = _parseYaml(text);
  const roles = new Set<string>();
  if (_isRecord(meta)) for (const entry of _asList(meta.dependencies)) _addRole(roles, entry);
  return [...roles];
}

/**
 * The local role directory name a reference names, or undefined for what cannot be a local role: templated
 * names (`{{ x }}`) and collection roles (`namespace.collection.role`). A path (`../roles/x`) names its last
 * segment.
 */
export function localRoleName(reference: string): string | undefined {
  const name = reference.trim();
  if (name === '' || name.includes('{{') || name.includes('{%')) return undefined;
  const last = name.replace(/\/+$/, '').split('/').at(-1)!;
  if (!name.includes('/') && /^[A-Za-z0-9_]+\.[A-Za-z0-9_]+\.[A-Za-z0-9_.]+$/.test(name)) return undefined;
  return last || undefined;
}

// --- internal ---

function _parseYaml(text: string): unknown {
  try {
    return parse(text, { uniqueKeys: false });
  } catch {
    return undefined;
  }
}

function _isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function _asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function _addRole(roles: Set<string>, entry: unknown): void {
  const reference =
    typeof entry === 'string' ? entry : _isRecord(entry) ? (entry.role ?? entry.name) : undefined;
  const name = typeof reference === 'string' ? localRoleName(reference) : undefined;
  if (name) roles.add(name);
}

function _collectTaskRoles(container: Record<string, unknown>, roles: Set<string>): void {
  for (const key of TASK_LIST_KEYS) {
    for (const task of _asList(container[key])) _collectTask(task, roles);
  }
}

function _collectTask(task: unknown, roles: Set<string>): void {
  if (!_isRecord(task)) return;
  for (const key of ROLE_INCLUDE_KEYS) {
    const include = task[key];
    if (_isRecord(include)) _addRole(roles, include.name);
    else if (typeof include === 'string') _addRole(roles, include.replace(/^name=/, '').split(/\s+/)[0]);
  }
  _collectTaskRoles(task, roles);
}
