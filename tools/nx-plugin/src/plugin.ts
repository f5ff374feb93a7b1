import { InfraError } from '@infra/core';
import {
  type CreateDependencies,
  type CreateNodes,
  type CreateNodesContext,
  createNodesFromFiles,
  DependencyType,
  type RawProjectGraphDependency,
} from '@nx/devkit';
import { classifyProjectRoot, groupProjectFiles, type IacProject, PROJECT_FILES_GLOB } from './discovery';
import { environmentNames } from './environments';
import type { NxPluginErrorCode } from './error-codes';
import { indexPnpmLockfile, pinExternalDependencies } from './lockfile';
import { type PluginOptions, parsePluginOptions } from './options';
import { analyzeProject, type WorkspaceReader } from './references';
import { buildTargets, IAC_NAMED_INPUTS, MOLECULE_SCENARIO, type TargetContext } from './targets';
import { validatorClosure } from './validator-closure';
import { createWorkspaceReader, readWorkspacePackages } from './workspace-fs';

export const name = '@infra/nx-plugin';

/**
 * Projects and targets from the IaC tree (see discovery.ts for the layout). One call sees every matching
 * file, groups them by project, then builds each project separately through createNodesFromFiles, so one
 * project that fails is reported without hiding the others.
 */
export const createNodes: CreateNodes<Partial<PluginOptions>> = [
  PROJECT_FILES_GLOB,
  async (files, rawOptions, context) => {
    const options = parsePluginOptions(rawOptions);
    const groups = groupProjectFiles(files);
    const projects = groups.map((group) => group.project);
    const reader = createWorkspaceReader(context.workspaceRoot);
    const targetContext = _targetContext(options, reader);
    const byFile = new Map(groups.map((group) => [group.files[0]!, group]));

    return createNodesFromFiles(
      (file: string, _options: unknown, _context: CreateNodesContext) => {
        const { project, files: projectFiles } = byFile.get(file)!;
        _assertUniqueName(project, projects);
        const analysis = analyzeProject(project, projectFiles, projects, reader);
        return {
          projects: {
            [project.root]: {
              name: project.name,
              tags: ['iac', `iac:${project.kind}`],
              namedInputs: IAC_NAMED_INPUTS,
              targets: buildTargets(project, analysis, targetContext, {
                molecule: reader.readFile(`${project.root}/${MOLECULE_SCENARIO}`) !== undefined,
              }),
            },
          },
        };
      },
      [...byFile.keys()],
      rawOptions,
      context,
    );
  },
];

/** Nx 22–23 look for createNodesV2 first; Nx 24 prefers createNodes. Same tuple under both names. */
export const createNodesV2 = createNodes;

/**
 * Graph edges between IaC projects: module sources, referenced paths, the roles playbooks and images run,
 * role dependencies, and talos → talos-config (see references.ts). Static edges name the file that makes
 * the reference; rule-based ones are implicit.
 */
export const createDependencies: CreateDependencies<Partial<PluginOptions>> = (_options, context) => {
  const iacProjects: IacProject[] = Object.entries(context.projects).flatMap(([projectName, config]) => {
    const kind = classifyProjectRoot(config.root);
    return kind ? [{ kind, root: config.root, name: projectName }] : [];
  });
  const nameByRoot = new Map(iacProjects.map((p) => [p.root, p.name]));
  const reader = createWorkspaceReader(context.workspaceRoot);
  const dependencies: RawProjectGraphDependency[] = [];
  for (const project of iacProjects) {
    const files = (context.fileMap.projectFileMap[project.name] ?? []).map((f) => f.file);
    for (const edge of analyzeProject(project, files, iacProjects, reader).dependsOn) {
      const target = nameByRoot.get(edge.targetRoot);
      if (!target) continue;
      dependencies.push(
        edge.sourceFile === undefined
          ? { source: project.name, target, type: DependencyType.implicit }
          : { source: project.name, target, type: DependencyType.static, sourceFile: edge.sourceFile },
      );
    }
  }
  return dependencies;
};

// --- internal ---

function _targetContext(options: PluginOptions, reader: WorkspaceReader): TargetContext {
  const packages = readWorkspacePackages(reader);
  const lockfile = indexPnpmLockfile(reader.readFile('pnpm-lock.yaml') ?? '');
  const closure = (entry: string) => {
    const found = validatorClosure(entry, reader, packages);
    return { inputs: found.inputs, externalDependencies: pinExternalDependencies(found.externals, lockfile) };
  };
  return {
    options,
    environments: environmentNames(reader.readFile(options.configFile)),
    validator: closure(options.validatorEntry),
    builder: closure(options.buildImageEntry),
    molecule: closure(options.moleculeEntry),
  };
}

/** Image names are folder names; they must not take a name the fixed projects use. */
function _assertUniqueName(project: IacProject, projects: readonly IacProject[]): void {
  const clash = projects.find((other) => other.name === project.name && other.root !== project.root);
  if (clash && project.kind === 'packer') {
    throw new InfraError<NxPluginErrorCode>(
      'NX_PLUGIN_NAME_CLASH',
      `${project.root}: the image name '${project.name}' is already the name of project ${clash.root}`,
      { hint: `rename the folder ${project.root} (the folder name is the image and project name)` },
    );
  }
}
