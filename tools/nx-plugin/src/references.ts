import { posix } from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { type IacProject, owningProject } from './discovery';
import { playbookReferences, roleMetaDependencies, taskFileRoles } from './parsers/ansible';
import { allStringLiterals, parseHcl, stringSymbols } from './parsers/hcl';
import {
  type PathKind,
  type PathReference,
  pathCandidates,
  resolvePathReference,
  type StatPath,
} from './parsers/path-refs';

/** Read access to the workspace by workspace-relative path; injected so the analysis stays pure. */
export interface WorkspaceReader {
  /** The file's text, or undefined when it cannot be read. */
  readFile(path: string): string | undefined;
  stat: StatPath;
  /** Files directly inside a folder (not recursive), workspace-relative. */
  listFiles(dir: string): string[];
  /** Folders directly inside a folder, workspace-relative. */
  listDirs(dir: string): string[];
  /**
   * Symbolic links directly inside a folder and what they point at (workspace-relative; links leaving the
   * workspace are not listed). Nx hashes a link's own path, not the file behind it, so a linked file is an
   * input the plugin has to name.
   */
  listLinks(dir: string): Array<{ path: string; target: string }>;
}

export interface ProjectEdge {
  /** Root of the project depended on. */
  targetRoot: string;
  /** The file of this project that makes the reference; undefined for rule-based edges. */
  sourceFile: string | undefined;
}

export interface ProjectAnalysis {
  dependsOn: ProjectEdge[];
  /** Files (or folders) outside this project and outside its dependencies that its targets read. */
  fileInputs: Array<{ path: string; kind: PathKind }>;
}

/** The Talos patch defining the GPU node's label and taint (libs/platform GPU_NODE_PATCH). */
const GPU_NODE_PATCH = 'talos/patches/nvidia-gpu-node.yaml';

/** The image built through the Talos API rather than Packer; it consumes the `talos/` machine config. */
const TALOS_IMAGE = 'talos';

/**
 * What one IaC project refers to. `files` are the project's own files (workspace-relative); `projects` are
 * all projects in the workspace (at least their roots), so a path can be mapped to its owner.
 *
 * - Packer templates and Terraform files: every string literal that names a workspace path (see
 *   resolvePathReference) is an edge to the project owning it, or a file input when no project owns it.
 *   A referenced playbook is special: the image reads that playbook file (and the playbooks it imports) as
 *   file inputs and depends on the roles they run, NOT on the shared `ansible-playbooks` project, so a role
 *   or playbook change reaches exactly the images that run it.
 * - Roles: `meta/main.yml` dependencies and `include_role`/`import_role` in any task file.
 * - Playbooks: the roles each one runs.
 * - The `talos` image depends on the Talos machine config (`talos-config`).
 * - Kubernetes components read the GPU node patch (label and taint) as a file input, and depend on the
 *   components a Flux Kustomization's `path: ./kubernetes/<c>` delivers. The Talos machine config reads the
 *   `delivery: cluster-critical` components (its `cluster.inlineManifests`) as folder inputs: no edge, so the
 *   images built from the machine config do not hash the manifests.
 */
export function analyzeProject(
  project: IacProject,
  files: readonly string[],
  projects: readonly IacProject[],
  reader: WorkspaceReader,
): ProjectAnalysis {
  const analysis = new _Collector(project);
  const roleRoots = new Map(
    projects.filter((p) => p.kind === 'ansible-role').map((p) => [posix.basename(p.root), p.root]),
  );
  const addRoles = (roles: readonly string[], sourceFile: string) => {
    for (const role of roles) {
      const root = roleRoots.get(role);
      if (root) analysis.edge(root, sourceFile);
    }
  };

  switch (project.kind) {
    case 'packer':
    case 'terraform-module':
    case 'terraform-environment':
      for (const file of files) {
        for (const reference of _fileReferences(file, reader)) {
          _addPathReference(reference, file, projects, reader, analysis, addRoles);
        }
      }
      // A linked file (e.g. variables.tf shared by the environments) is read through the link: its target
      // is an input, and the project holding it a dependency (named by the link when Nx lists it).
      for (const link of reader.listLinks(project.root)) {
        const kind = reader.stat(link.target);
        if (!kind) continue;
        const owner = owningProject(link.target, projects);
        if (owner) analysis.edge(owner.root, files.includes(link.path) ? link.path : undefined);
        else analysis.input(link.target, kind);
      }
      if (project.kind === 'packer' && posix.basename(project.root) === TALOS_IMAGE) {
        const talos = projects.find((p) => p.kind === 'talos');
        if (talos) analysis.edge(talos.root, undefined);
      }
      break;
    case 'ansible-role':
      for (const file of files.filter((f) => /\.ya?ml$/.test(f))) {
        const text = reader.readFile(file) ?? '';
        const relative = file.slice(project.root.length + 1);
        if (/^meta\/main\.ya?ml$/.test(relative)) addRoles(roleMetaDependencies(text), file);
        if (/^(tasks|handlers)\//.test(relative)) addRoles(taskFileRoles(text), file);
      }
      break;
    case 'ansible-playbooks':
      for (const file of files.filter((f) => /\.ya?ml$/.test(f) && posix.dirname(f) === project.root)) {
        addRoles(playbookReferences(reader.readFile(file) ?? '').roles, file);
      }
      break;
    case 'kubernetes':
      analysis.input(GPU_NODE_PATCH, 'file');
      for (const file of files.filter((f) => /\.ya?ml$/.test(f))) {
        // Manifests are multi-document YAML.
        const documents = parseAllDocuments(reader.readFile(file) ?? '');
        const texts = (Array.isArray(documents) ? documents : []).map((doc) => doc.toString());
        for (const value of texts.flatMap(_yamlStrings)) {
          const target = /^\.\/(kubernetes\/[\w.-]+)\/?$/.exec(value)?.[1];
          if (target && projects.some((p) => p.kind === 'kubernetes' && p.root === target)) {
            analysis.edge(target, file);
          }
        }
      }
      break;
    case 'talos':
      for (const component of projects.filter((p) => p.kind === 'kubernetes')) {
        if (_isClusterCritical(reader.readFile(`${component.root}/component.yaml`))) {
          analysis.input(component.root, 'dir');
        }
      }
      break;
    case 'secrets':
      break;
  }
  return analysis.result();
}

// --- internal ---

class _Collector {
  private readonly edges = new Map<string, ProjectEdge>();
  private readonly inputs = new Map<string, PathKind>();
  constructor(private readonly self: IacProject) {}

  edge(targetRoot: string, sourceFile: string | undefined): void {
    if (targetRoot === this.self.root) return;
    const existing = this.edges.get(targetRoot);
    if (!existing || (existing.sourceFile === undefined && sourceFile !== undefined)) {
      this.edges.set(targetRoot, { targetRoot, sourceFile });
    }
  }

  input(path: string, kind: PathKind): void {
    if (path === this.self.root || path.startsWith(`${this.self.root}/`)) return;
    this.inputs.set(path, kind);
  }

  result(): ProjectAnalysis {
    return {
      dependsOn: [...this.edges.values()].sort((a, b) => a.targetRoot.localeCompare(b.targetRoot)),
      fileInputs: [...this.inputs]
        .map(([path, kind]) => ({ path, kind }))
        .sort((a, b) => a.path.localeCompare(b.path)),
    };
  }
}

/** Path references of one HCL file (`*.pkr.hcl`, `*.tf`) or Talos `image.yaml`. */
function _fileReferences(file: string, reader: WorkspaceReader): PathReference[] {
  const text = reader.readFile(file);
  if (text === undefined) return [];
  const fileDir = posix.dirname(file);
  if (file.endsWith('.hcl') || file.endsWith('.tf')) {
    const root = parseHcl(text);
    const context = { fileDir, symbols: stringSymbols(root), stat: reader.stat };
    return allStringLiterals(root).flatMap((s) =>
      pathCandidates(s.value).flatMap((candidate) => resolvePathReference(candidate, s.line, context) ?? []),
    );
  }
  if (/\.ya?ml$/.test(file)) {
    const context = { fileDir, stat: reader.stat };
    return _yamlStrings(text).flatMap((s) => resolvePathReference(s, 0, context) ?? []);
  }
  return [];
}

function _addPathReference(
  reference: PathReference,
  sourceFile: string,
  projects: readonly IacProject[],
  reader: WorkspaceReader,
  analysis: _Collector,
  addRoles: (roles: readonly string[], sourceFile: string) => void,
): void {
  const owner = owningProject(reference.path, projects);
  if (owner?.kind === 'ansible-playbooks') {
    // A folder reference (e.g. `playbook_dir`) may run any playbook in it.
    const playbooks =
      reference.kind === 'file'
        ? [reference.path]
        : reader.listFiles(reference.path).filter((f) => /\.ya?ml$/.test(f));
    for (const playbook of _withImports(playbooks, reader)) {
      analysis.input(playbook, 'file');
      addRoles(playbookReferences(reader.readFile(playbook) ?? '').roles, sourceFile);
    }
    if (reference.kind === 'dir') analysis.input(reference.path, 'dir');
    return;
  }
  if (owner) {
    analysis.edge(owner.root, sourceFile);
    return;
  }
  // A folder holding several projects (e.g. `ansible/roles` as a roles path) says nothing about which of
  // them are used; the playbooks and role references do.
  const holdsProjects = projects.some((p) => p.root.startsWith(`${reference.path}/`));
  if (reference.kind === 'dir' && holdsProjects) return;
  analysis.input(reference.path, reference.kind);
}

/** The playbooks plus those they import, transitively (import paths are relative to the importing file). */
function _withImports(playbooks: readonly string[], reader: WorkspaceReader): string[] {
  const seen = new Set<string>();
  const queue = [...playbooks];
  while (queue.length > 0) {
    const playbook = queue.shift()!;
    if (seen.has(playbook)) continue;
    seen.add(playbook);
    for (const imported of playbookReferences(reader.readFile(playbook) ?? '').playbooks) {
      const path = posix.normalize(posix.join(posix.dirname(playbook), imported));
      if (!path.startsWith('..') && reader.stat(path) === 'file') queue.push(path);
    }
  }
  return [...seen];
}

/** A component the control plane's machine config carries (`delivery: cluster-critical` in component.yaml). */
function _isClusterCritical(text: string | undefined): boolean {
  try {
    return (parseYaml(text ?? '') as { delivery?: unknown } | null)?.delivery === 'cluster-critical';
  } catch {
    return false;
  }
}

function _yamlStrings(text: string): string[] {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch {
    return [];
  }
  const out: string[] = [];
  const visit = (node: unknown) => {
    if (typeof node === 'string') out.push(node);
    else if (Array.isArray(node)) node.forEach(visit);
    else if (typeof node === 'object' && node !== null) Object.values(node).forEach(visit);
  };
  visit(value);
  return out;
}
