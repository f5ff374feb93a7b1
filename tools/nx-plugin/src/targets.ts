import type { TargetConfiguration } from '@nx/devkit';
import { type IacProject, type ProjectKind, VALIDATOR_KIND } from './discovery';
import { defaultEnvironment } from './environments';
import type { PluginOptions } from './options';
import type { ProjectAnalysis } from './references';
/** Code a target runs through: file inputs plus the npm packages to hash (already pinned, see lockfile.ts). */
export interface CodeInputs {
  inputs: string[];
  externalDependencies: string[];
}

/** What every target of one plugin call shares. */
export interface TargetContext {
  options: PluginOptions;
  /** Environment names from the config file, for build-image configurations. */
  environments: readonly string[];
  /** Validator code inputs, its externalDependencies already limited to packages Nx knows. */
  validator: CodeInputs;
  /** The same for the image builder script. */
  builder: CodeInputs;
  /** The same for the Molecule runner script. */
  molecule: CodeInputs;
}

/** A role with this file gets a `molecule` target. */
export const MOLECULE_SCENARIO = 'molecule/default/molecule.yml';

/** Shared Molecule settings every scenario reads (base config, podman's containers.conf). */
const MOLECULE_SHARED = ['{workspaceRoot}/ansible/molecule/**/*', '{workspaceRoot}/ansible/ansible.cfg'];

/** One entry of a target's `inputs` (Nx's InputDefinition, which @nx/devkit does not export). */
export type TargetInput = NonNullable<TargetConfiguration['inputs']>[number];

/**
 * Named input every IaC project defines for itself: its files minus Markdown. Dependents hash it with
 * `^iacFiles` (a `{fileset, dependencies}` input cannot carry the Markdown exclusion to dependencies).
 */
export const IAC_FILES = 'iacFiles';
export const IAC_NAMED_INPUTS: Record<string, string[]> = {
  [IAC_FILES]: ['{projectRoot}/**/*', '!{projectRoot}/**/*.md'],
};

/** Tool versions: mise.toml is the one place they are pinned. */
const TOOL_VERSIONS = '{workspaceRoot}/mise.toml';

/** Repo-wide tool configuration each kind's validator reads (globs: the files may not exist yet). */
const TOOL_CONFIG: Record<ProjectKind, readonly string[]> = {
  packer: ['{workspaceRoot}/.yamllint*'],
  'terraform-module': [
    '{workspaceRoot}/.tflint.hcl',
    '{workspaceRoot}/.terraform-docs.y*ml',
    '{workspaceRoot}/.checkov.y*ml',
  ],
  'terraform-environment': [
    '{workspaceRoot}/.tflint.hcl',
    '{workspaceRoot}/.terraform-docs.y*ml',
    '{workspaceRoot}/.checkov.y*ml',
  ],
  'ansible-role': [
    '{workspaceRoot}/.yamllint*',
    '{workspaceRoot}/.ansible-lint*',
    '{workspaceRoot}/ansible/ansible.cfg',
    '{workspaceRoot}/ansible/requirements.y*ml',
    '{workspaceRoot}/.checkov.y*ml',
  ],
  'ansible-playbooks': [
    '{workspaceRoot}/.yamllint*',
    '{workspaceRoot}/.ansible-lint*',
    '{workspaceRoot}/ansible/ansible.cfg',
    '{workspaceRoot}/ansible/requirements.y*ml',
    '{workspaceRoot}/.checkov.y*ml',
  ],
  talos: ['{workspaceRoot}/.yamllint*'],
  secrets: [], // every file: see READS_EVERY_FILE
  kubernetes: ['{workspaceRoot}/.yamllint*', '{workspaceRoot}/.checkov.y*ml'],
};

/**
 * Kinds whose validate reads every file of the repository: the secrets leak scan. Every file is an input, so
 * any change misses the cache and makes the project affected, and no other input may bring a negation (Nx
 * applies a target's negations to all its inputs; the validator's `!**\/*.test.ts` would hide a token pasted
 * into a test file). libs/validators/README.md, "secrets".
 */
export const READS_EVERY_FILE: ReadonlySet<ProjectKind> = new Set(['secrets']);

/**
 * Kinds whose result the environment config can change, so the config file is one of their inputs:
 * images (packer validate gets the variables the config injects), Terraform environments (their variables
 * come from it) and the Talos machine config (validated against the schema of the configured Talos
 * version) and Kubernetes components (schemas and Helm of the configured Kubernetes version, checked against
 * the Talos version). Terraform modules, roles, playbooks and secrets are environment-independent.
 */
export const CONFIG_DEPENDENT_KINDS: ReadonlySet<ProjectKind> = new Set([
  'packer',
  'terraform-environment',
  'talos',
  'kubernetes',
]);

/**
 * Inputs of a project's validate (and build-image) target: its own files (Markdown excluded, except in
 * Terraform modules where `validate` checks the README against terraform-docs), its dependency projects'
 * files (Markdown excluded), the files outside any project it reads, the config file where it matters,
 * the pinned tool versions, the tools' config files, the validator code, and only the npm packages that
 * code uses.
 */
export function validateInputs(
  project: IacProject,
  analysis: ProjectAnalysis,
  context: TargetContext,
): TargetInput[] {
  // A module's README is checked against terraform-docs, so the module's own validate reads its Markdown.
  const own: TargetInput[] = project.kind === 'terraform-module' ? ['{projectRoot}/**/*'] : [IAC_FILES];
  const dependencies: TargetInput[] = [`^${IAC_FILES}`];
  const referenced = analysis.fileInputs.flatMap(({ path, kind }) =>
    kind === 'file'
      ? [`{workspaceRoot}/${path}`]
      : // The Talos machine config reads the cluster-critical components' manifests, not their READMEs.
        project.kind === 'talos'
        ? [`{workspaceRoot}/${path}/**/*`, `!{workspaceRoot}/${path}/**/*.md`]
        : [`{workspaceRoot}/${path}/**/*`],
  );
  const config = CONFIG_DEPENDENT_KINDS.has(project.kind)
    ? [`{workspaceRoot}/${context.options.configFile}`]
    : [];
  if (READS_EVERY_FILE.has(project.kind)) {
    return ['{workspaceRoot}/**/*', { externalDependencies: [...context.validator.externalDependencies] }];
  }
  return [
    ...own,
    ...dependencies,
    ...referenced,
    ...config,
    TOOL_VERSIONS,
    ...TOOL_CONFIG[project.kind],
    ...context.validator.inputs,
    { externalDependencies: [...context.validator.externalDependencies] },
  ];
}

/**
 * Inputs of a role's `molecule` target: the role's files (scenario included) and those of the roles it depends
 * on, the shared Molecule settings, the pinned tool versions, and the runner code with its npm packages. Not
 * the environment config and not the playbooks: a scenario runs the role alone, in a container.
 */
export function moleculeInputs(context: TargetContext): TargetInput[] {
  return [
    IAC_FILES,
    `^${IAC_FILES}`,
    ...MOLECULE_SHARED,
    TOOL_VERSIONS,
    ...context.molecule.inputs,
    { externalDependencies: [...context.molecule.externalDependencies] },
  ];
}

/**
 * The targets of one project: `validate` for every kind, `build-image` for images, `molecule` for roles with a
 * scenario.
 */
export function buildTargets(
  project: IacProject,
  analysis: ProjectAnalysis,
  context: TargetContext,
  features: { molecule?: boolean } = {},
): Record<string, TargetConfiguration> {
  const inputs = validateInputs(project, analysis, context);
  const targets: Record<string, TargetConfiguration> = {
    validate: {
      command: `${context.options.validateCommand} ${VALIDATOR_KIND[project.kind]} ${project.root}`,
      cache: true,
      inputs,
      outputs: [],
      metadata: {
        description: `Check ${project.root} with the real tools (${VALIDATOR_KIND[project.kind]})`,
      },
    },
  };
  if (project.kind === 'ansible-role' && features.molecule) {
    targets.molecule = {
      command: `${context.options.moleculeCommand} ${project.root}`,
      // A pass is a fact about exactly these inputs (the container is thrown away), so it is cached like validate.
      cache: true,
      inputs: moleculeInputs(context),
      outputs: [],
      // One scenario at a time: each runs podman and apt, and two at once only fight over 2 cores.
      parallelism: false,
      metadata: { description: `Converge, idempotence and verify of ${project.root} with Molecule (podman)` },
    };
  }
  if (project.kind === 'packer') {
    // The builder's own code joins the hash: a builder change means a different image.
    const builderInputs: TargetInput[] = [
      ...inputs.filter((input) => typeof input === 'string'),
      ...context.builder.inputs.filter((input) => !inputs.includes(input)),
      {
        externalDependencies: [
          ...new Set([...context.validator.externalDependencies, ...context.builder.externalDependencies]),
        ].sort(),
      },
    ];
    targets['build-image'] = {
      command: `${context.options.buildImageCommand} --os ${project.name}`,
      // The real output is a template on a Proxmox host, which the Nx cache cannot restore. The script is
      // idempotent instead (it can key on $NX_TASK_HASH, computed from the same inputs as validate).
      cache: false,
      parallelism: false,
      dependsOn: ['validate'],
      inputs: builderInputs,
      defaultConfiguration: defaultEnvironment(context.environments),
      configurations: Object.fromEntries(context.environments.map((name) => [name, { args: `-e ${name}` }])),
      metadata: { description: `Build the ${project.name} golden image on the environment's Proxmox host` },
    };
  }
  if (project.kind === 'terraform-environment') {
    // The real output is infrastructure, which no cache can restore: every run asks tofu for the plan. The
    // environment is the project's folder name (terraform/environments/<env>).
    const env = project.root.split('/').pop()!;
    for (const [action, description] of [
      ['plan', 'Show what OpenTofu would change on'],
      ['apply', 'Plan, ask, and apply to'],
      ['destroy', 'Plan, ask, and destroy what OpenTofu manages on'],
    ] as const) {
      targets[action] = {
        command: `${context.options.deployCommand} ${action} -e ${env}`,
        cache: false,
        parallelism: false,
        dependsOn: ['validate'],
        metadata: { description: `${description} environment ${env} (${project.root})` },
      };
    }
  }
  return targets;
}
