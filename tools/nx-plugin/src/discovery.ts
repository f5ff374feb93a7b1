/**
 * Which files make which IaC project. Pure: a workspace-relative path in, a project descriptor out.
 *
 * | files                                            | project root                 | name                 |
 * |--------------------------------------------------|------------------------------|----------------------|
 * | packer/<os>/*.pkr.hcl or packer/<os>/image.yaml  | packer/<os>                  | <os>                 |
 * | terraform/modules/<m>/*.tf                       | terraform/modules/<m>        | tf-module-<m>        |
 * | terraform/environments/<e>/*.tf                  | terraform/environments/<e>   | tf-env-<e>           |
 * | ansible/roles/<r>/<dir>/main.y(a)ml              | ansible/roles/<r>            | ansible-role-<r>     |
 * | ansible/playbooks/*.y(a)ml                       | ansible/playbooks            | ansible-playbooks    |
 * | talos/**                                         | talos                        | talos-config         |
 * | secrets/**                                       | secrets                      | secrets              |
 * | kubernetes/<c>/component.yaml                    | kubernetes/<c>               | k8s-<c>              |
 *
 * Playbooks are one project because Nx project roots are folders and the playbooks share one; images do not
 * depend on that project (see references.ts), so a playbook change still reaches only the images that run it.
 */
export type ProjectKind =
  | 'packer'
  | 'terraform-module'
  | 'terraform-environment'
  | 'ansible-role'
  | 'ansible-playbooks'
  | 'talos'
  | 'secrets'
  | 'kubernetes';

export interface IacProject {
  kind: ProjectKind;
  /** Workspace-relative folder. */
  root: string;
  name: string;
}

/** The single createNodes glob: every file that can make a project (brace alternatives, no nesting). */
export const PROJECT_FILES_GLOB = `{${[
  'packer/*/*.pkr.hcl',
  'packer/*/image.yaml',
  'terraform/modules/*/*.tf',
  'terraform/environments/*/*.tf',
  'ansible/roles/*/*/main.yml',
  'ansible/roles/*/*/main.yaml',
  'ansible/playbooks/*.yml',
  'ansible/playbooks/*.yaml',
  'talos/**/*',
  'secrets/**/*',
  'kubernetes/*/component.yaml',
].join(',')}}`;

/** The first argument `scripts/validate.ts` takes for each kind. */
export const VALIDATOR_KIND: Record<ProjectKind, string> = {
  packer: 'packer',
  'terraform-module': 'terraform',
  'terraform-environment': 'terraform',
  'ansible-role': 'ansible-role',
  'ansible-playbooks': 'ansible-playbooks',
  talos: 'talos',
  secrets: 'secrets',
  kubernetes: 'kubernetes',
};

export function classifyProjectFile(file: string): IacProject | undefined {
  const parts = file.split('/');
  const [top, second, third] = parts;
  if (top === 'packer' && parts.length === 3 && (third!.endsWith('.pkr.hcl') || third === 'image.yaml')) {
    return { kind: 'packer', root: `packer/${second}`, name: second! };
  }
  if (top === 'terraform' && parts.length === 4 && parts[3]!.endsWith('.tf')) {
    if (second === 'modules')
      return { kind: 'terraform-module', root: parts.slice(0, 3).join('/'), name: `tf-module-${third}` };
    if (second === 'environments') {
      return { kind: 'terraform-environment', root: parts.slice(0, 3).join('/'), name: `tf-env-${third}` };
    }
  }
  if (top === 'ansible' && second === 'roles' && parts.length === 5 && /^main\.ya?ml$/.test(parts[4]!)) {
    return { kind: 'ansible-role', root: parts.slice(0, 3).join('/'), name: `ansible-role-${third}` };
  }
  if (top === 'ansible' && second === 'playbooks' && parts.length === 3 && /\.ya?ml$/.test(third!)) {
    return { kind: 'ansible-playbooks', root: 'ansible/playbooks', name: 'ansible-playbooks' };
  }
  if (top === 'talos' && parts.length >= 2) return { kind: 'talos', root: 'talos', name: 'talos-config' };
  if (top === 'secrets' && parts.length >= 2) return { kind: 'secrets', root: 'secrets', name: 'secrets' };
  if (top === 'kubernetes' && parts.length === 3 && third === 'component.yaml') {
    return { kind: 'kubernetes', root: `kubernetes/${second}`, name: `k8s-${second}` };
  }
  return undefined;
}

/** One descriptor per project root, with the files that made it, in a stable order. */
export function groupProjectFiles(files: readonly string[]): Array<{ project: IacProject; files: string[] }> {
  const byRoot = new Map<string, { project: IacProject; files: string[] }>();
  for (const file of [...files].sort()) {
    const project = classifyProjectFile(file);
    if (!project) continue;
    const entry = byRoot.get(project.root) ?? { project, files: [] };
    entry.files.push(file);
    byRoot.set(project.root, entry);
  }
  return [...byRoot.values()];
}

/** The project whose root is the deepest folder holding `path` (Nx's own ownership rule). */
export function owningProject<T extends { root: string }>(
  path: string,
  projects: readonly T[],
): T | undefined {
  let best: T | undefined;
  for (const project of projects) {
    const inside = project.root === '.' || path === project.root || path.startsWith(`${project.root}/`);
    if (inside && (!best || project.root.length > best.root.length)) best = project;
  }
  return best;
}

/** The kind of project a root folder is, when it is one this plugin infers. */
export function classifyProjectRoot(root: string): ProjectKind | undefined {
  const parts = root.split('/');
  if (parts.length === 2 && parts[0] === 'packer') return 'packer';
  if (parts.length === 3 && parts[0] === 'terraform' && parts[1] === 'modules') return 'terraform-module';
  if (parts.length === 3 && parts[0] === 'terraform' && parts[1] === 'environments')
    return 'terraform-environment';
  if (parts.length === 3 && parts[0] === 'ansible' && parts[1] === 'roles') return 'ansible-role';
  if (root === 'ansible/playbooks') return 'ansible-playbooks';
  if (root === 'talos') return 'talos';
  if (root === 'secrets') return 'secrets';
  if (parts.length === 2 && parts[0] === 'kubernetes') return 'kubernetes';
  return undefined;
}
