import { access, copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Environment } from '@infra/config';
import { type Logger, writeFileAtomic } from '@infra/core';
import { type ClusterVm, clusterVms } from '../cluster-vms';
import { defaultStateRoots } from '../drift/drift';
import { operationsError } from '../errors';
import { renderImportedVm, VM_RESOURCE } from './generate';
import { resourceLabel } from './hcl';
import { changesBeyondImport, type ResourceChange, resourceChanges } from './plan-json';
import { resourceBlock } from './schema';
import { PROBE_BLOCKS_LABEL, PROBE_LABEL, PROBE_TF, ROOT_FILES, withLocalBackend } from './scratch';
import { selectImports } from './select';

export interface ImportOptions {
  environment: Environment;
  /** VMIDs to import; empty: every VM the project does not manage (templates excepted). */
  vmids: readonly number[];
  /** The root module whose state says what is managed (default terraform/environments/<env>). */
  rootDir?: string;
  /** Where the files go (default: the root module, so `./infra deploy apply` imports them). */
  outDir?: string;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export interface ImportedFile {
  vmid: number;
  node: string;
  name: string;
  address: string;
  /** Relative to the repository root. */
  path: string;
}

export interface ImportResult {
  environment: string;
  outDir: string;
  files: ImportedFile[];
  /** e.g. sensitive arguments left out of the configuration. */
  warnings: string[];
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** Labels already declared in the out dir, so a new one never collides. */
async function declaredLabels(dir: string): Promise<Set<string>> {
  const labels = new Set<string>();
  if (!(await exists(dir))) return labels;
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.tf'))) {
    const text = await readFile(join(dir, file), 'utf8');
    for (const m of text.matchAll(/resource\s+"proxmox_virtual_environment_vm"\s+"([^"]+)"/g))
      labels.add(m[1]!);
  }
  return labels;
}

/**
 * Generates `import` blocks and configuration for VMs made outside this project, and proves them: tofu plans
 * the generated files in a scratch root module, and anything beyond importing (a change, a replacement)
 * fails the run with the attributes named; nothing is written then.
 */
export async function runImport(options: ImportOptions): Promise<ImportResult> {
  const { environment, logger } = options;
  const repoRoot = environment.repoRoot;
  const rootDir = options.rootDir ?? join(repoRoot, 'terraform', 'environments', environment.name);
  const outDir = options.outDir ?? rootDir;
  const stateLabel = `the tofu state of ${relative(repoRoot, rootDir)} or terraform/clusters/talos`;
  const [{ connectProxmox }, { openTofuSession, readTofuState }] = await Promise.all([
    import('@infra/proxmox-connect'),
    import('@infra/deploy'),
  ]);
  const common = {
    ...(logger ? { logger } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };

  const connection = await connectProxmox(environment, { ...common, retry: { getAttempts: 2 } });
  let cluster: ClusterVm[];
  try {
    cluster = clusterVms(await connection.client.clusterResources('vm'));
  } finally {
    await connection.close();
  }
  // Managed: in the state of any of the environment's root modules (its VMs and the Talos cluster's).
  const managed = new Set<number>();
  const roots = defaultStateRoots(environment).map((r, i) => (i === 0 ? { ...r, rootDir } : r));
  for (const root of roots) {
    if (!(await exists(root.rootDir))) continue;
    const state = await readTofuState({
      environment,
      rootDir: root.rootDir,
      ...(root.stateName ? { stateName: root.stateName } : {}),
      types: [VM_RESOURCE],
      ...common,
    });
    for (const r of state) if (typeof r.values.vm_id === 'number') managed.add(r.values.vm_id);
  }
  const selected = selectImports(cluster, managed, options.vmids, {
    environment: environment.name,
    stateLabel,
  });

  if (selected.length === 0) {
    logger?.info(
      `${environment.name}: no unmanaged VM (each carries the infra tag, is in ${stateLabel}, or is a template)`,
    );
    return {
      environment: environment.name,
      outDir: relative(repoRoot, outDir) || '.',
      files: [],
      warnings: [],
    };
  }

  const taken = await declaredLabels(outDir);
  const plannedFiles = selected.map((vm) => {
    let label = resourceLabel(vm.name, vm.vmid);
    if (taken.has(label)) label = `${label}_${vm.vmid}`;
    taken.add(label);
    return { vm, label, file: `import-${vm.vmid}-${label.replace(/_/g, '-')}.tf` };
  });
  for (const { file } of plannedFiles) {
    const target = join(outDir, file);
    if (await exists(target))
      throw operationsError('IMPORT_OUT_EXISTS', `${relative(repoRoot, target)} already exists`, {
        hint: 'it is an earlier import of this VM: apply it with `./infra deploy apply`, or remove it to generate it again',
      });
  }

  const scratchRoot = await mkdtemp(join(tmpdir(), 'infra-import-'));
  const work = join(scratchRoot, 'root');
  await mkdir(work, { mode: 0o700 });
  try {
    // The environment's own provider, pins, encryption and variables; only its backend becomes local.
    for (const file of ROOT_FILES) {
      const source = join(rootDir, file);
      const label = relative(repoRoot, source);
      const text = await readFile(source, 'utf8').catch(() => {
        throw operationsError('IMPORT_ROOT_INCOMPLETE', `${label} is missing`, {
          hint: `the import plans with the root module's ${ROOT_FILES.join(', ')}; restore it from git (terraform/environments/local has one of each)`,
        });
      });
      await writeFile(join(work, file), file === 'versions.tf' ? withLocalBackend(text, label) : text, {
        mode: 0o600,
      });
    }
    const lock = join(rootDir, '.terraform.lock.hcl');
    await copyFile(
      (await exists(lock))
        ? lock
        : join(repoRoot, 'terraform', 'environments', 'local', '.terraform.lock.hcl'),
      join(work, '.terraform.lock.hcl'),
    );
    // A stub per VM rather than `-generate-config-out`: the configuration bpg/proxmox 0.111.1 generates
    // fails its own validation (`file_format = ""`, `hugepages = ""`, `units = 0`), so that plan stops
    // before it reports the state; a stub (node_name only) lets the plan read each VM all the same.
    const importBlocks = plannedFiles
      .map(
        ({ vm, label }) =>
          `import {\n  to = ${VM_RESOURCE}.${label}\n  id = "${vm.node}/${vm.vmid}"\n}\n\n` +
          `resource "${VM_RESOURCE}" "${label}" {\n  node_name = "${vm.node}"\n}\n`,
      )
      .join('\n');
    await writeFile(join(work, 'imports.tf'), `${importBlocks}\n${PROBE_TF}`, { mode: 0o600 });

    const session = await openTofuSession({
      environment,
      rootDir: work,
      stateDir: join(scratchRoot, 'state'),
      ...common,
    });
    try {
      const planOf = async (what: string): Promise<ResourceChange[]> => {
        const planFile = join(session.scratch, 'tfplan');
        const plan = await session.run(['plan', '-input=false', '-json', `-out=${planFile}`]);
        if (plan.exitCode !== 0) session.fail(plan, `plan (${what})`);
        const shown = await session.run(['show', '-json', '-no-color', planFile]);
        if (shown.exitCode !== 0) session.fail(shown, 'show');
        return resourceChanges(parseJson(shown.stdout, 'tofu show -json <plan>'));
      };

      logger?.step(`reading ${selected.length} VM(s) through bpg/proxmox (tofu plan of the imports)`);
      const generated = await planOf('read');
      const schemaRun = await session.run(['providers', 'schema', '-json']);
      if (schemaRun.exitCode !== 0) session.fail(schemaRun, 'providers schema');
      const schema = resourceBlock(parseJson(schemaRun.stdout, 'tofu providers schema -json'), VM_RESOURCE);
      if (!schema)
        throw operationsError(
          'IMPORT_TOFU_OUTPUT_INVALID',
          `tofu providers schema -json has no ${VM_RESOURCE}`,
        );
      const planned = (label: string) =>
        generated.find((rc) => rc.address === `${VM_RESOURCE}.${label}`)?.change.after ?? undefined;
      const defaults = planned(PROBE_LABEL);
      const elementDefaults = planned(PROBE_BLOCKS_LABEL);

      const warnings: string[] = [];
      const rendered = plannedFiles.map(({ vm, label, file }) => {
        const id = `${vm.node}/${vm.vmid}`;
        const change = generated.find((rc) => rc.change.importing?.id === id);
        const values = change?.change.before;
        if (!values)
          throw operationsError('IMPORT_TOFU_OUTPUT_INVALID', `the plan has no imported state for VM ${id}`, {
            hint: 'run `tofu plan` with an import block for it by hand to see why',
          });
        const out = renderImportedVm({
          label,
          importId: id,
          values,
          schema,
          defaults,
          elementDefaults,
          header: [
            `Generated by scripts/import.ts (libs/operations/src/import) from VM ${vm.vmid} on node ${vm.node} of`,
            `environment ${environment.name}: read by bpg/proxmox through a \`tofu plan\` of its import, then`,
            "reduced to what differs from the provider's defaults. `./infra deploy apply` imports it (no change to",
            'the VM); the import block is a no-op after that and may be removed.',
          ],
        });
        for (const key of out.omittedSensitive)
          warnings.push(`${vm.vmid} ${vm.name}: ${key} is sensitive and was left out; set it yourself`);
        return { vm, label, file, text: out.text };
      });

      // The proof: the generated files alone plan nothing but the imports.
      await rm(join(work, 'imports.tf'), { force: true });
      for (const r of rendered) await writeFile(join(work, r.file), r.text, { mode: 0o600 });
      const fmt = await session.run(['fmt', '-no-color', '-list=false']);
      if (fmt.exitCode !== 0) session.fail(fmt, 'fmt');
      logger?.step('checking that the generated configuration plans no change (tofu plan)');
      const verify = await planOf('verify');
      const extra = changesBeyondImport(verify);
      if (extra.length > 0)
        throw operationsError(
          'IMPORT_NOT_CLEAN',
          `the generated configuration would change what it imports:\n  ${extra.join('\n  ')}`,
          {
            hint: 'a provider read this generator does not render yet; please report it with the lines above',
          },
        );

      const files: ImportedFile[] = [];
      for (const r of rendered) {
        const target = join(outDir, r.file);
        await writeFileAtomic(target, await readFile(join(work, r.file), 'utf8'));
        files.push({
          vmid: r.vm.vmid,
          node: r.vm.node,
          name: r.vm.name,
          address: `${VM_RESOURCE}.${r.label}`,
          path: relative(repoRoot, target),
        });
      }
      return { environment: environment.name, outDir: relative(repoRoot, outDir) || '.', files, warnings };
    } finally {
      await session.close();
    }
  } finally {
    await rm(scratchRoot, { recursive: true, force: true });
  }
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text.trim());
  } catch {
    throw operationsError('IMPORT_TOFU_OUTPUT_INVALID', `${what} printed no JSON document`);
  }
}

export function formatImport(result: ImportResult): string {
  if (result.files.length === 0) return `import: ${result.environment}: nothing to import`;
  return [
    `import: ${result.environment}: ${result.files.length} VM(s) → ${result.outDir}`,
    ...result.files.map((f) => `  ${f.vmid} ${f.name} on ${f.node}  ${f.address}  ${f.path}`),
    ...result.warnings.map((w) => `  warning: ${w}`),
    `next: review the files, then \`./infra deploy apply -e ${result.environment}\` imports them (tofu plans no other change)`,
  ].join('\n');
}
