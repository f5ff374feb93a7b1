import { access, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createContext, type DisposableContext } from '../context';
import { findOnPath, type ToolEnv } from '../exec';
import { toolchainEnvironment } from '../tool-env';

/** The real repository (tests copy from it, never write to it). */
export const REPO_ROOT = resolve(import.meta.dirname, '../../../..');

/** Repo-level files every validator reads. */
const SHARED_FILES = ['infra.config.yaml', '.yamllint.yaml', '.tflint.hcl', '.checkov.yaml'];

export interface FixtureRepo {
  root: string;
  path(rel: string): string;
  read(rel: string): Promise<string>;
  write(rel: string, text: string): Promise<void>;
  /** Replaces `search` (must occur) in a file; returns the 1-based line of the first change. */
  replace(rel: string, search: string | RegExp, replacement: string): Promise<number>;
  context(projectRoot: string, env: ToolEnv): DisposableContext;
  dispose(): Promise<void>;
}

/** A throw-away repo holding copies of `paths` (and the repo-level configs), for introducing defects. */
export async function fixtureRepo(paths: readonly string[]): Promise<FixtureRepo> {
  const root = await mkdtemp(join(tmpdir(), 'infra-validators-fixture-'));
  for (const rel of [...SHARED_FILES, ...paths]) {
    await cp(join(REPO_ROOT, rel), join(root, rel), {
      recursive: true,
      filter: (source) => !/(^|\/)(\.terraform|node_modules|\.terraform\.lock\.hcl)$/.test(source),
    });
  }
  const contexts: DisposableContext[] = [];
  return {
    root,
    path: (rel) => join(root, rel),
    read: (rel) => readFile(join(root, rel), 'utf8'),
    write: async (rel, text) => {
      await mkdir(dirname(join(root, rel)), { recursive: true });
      await writeFile(join(root, rel), text);
    },
    async replace(rel, search, replacement) {
      const text = await readFile(join(root, rel), 'utf8');
      const index = typeof search === 'string' ? text.indexOf(search) : text.search(search);
      if (index < 0) throw new Error(`fixture: ${String(search)} not found in ${rel}`);
      await writeFile(join(root, rel), text.replace(search, replacement));
      return text.slice(0, index).split('\n').length;
    },
    context(projectRoot, env) {
      const ctx = createContext({ repoRoot: root, projectRoot, env });
      contexts.push(ctx);
      return ctx;
    },
    async dispose() {
      await Promise.all(contexts.map((ctx) => ctx.dispose()));
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** The environment the validators use in real runs (toolchain shims, provider mirror, plugin dir). */
export async function realToolEnv(): Promise<ToolEnv> {
  return toolchainEnvironment();
}

/** Which of `tools` are not installed; tests skip with this list in their name rather than fail obscurely. */
export async function missingTools(env: ToolEnv, tools: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const tool of tools) if (!(await findOnPath(tool, env))) missing.push(tool);
  return missing;
}

/** Packer also needs the pinned proxmox plugin in PACKER_PLUGIN_PATH (installed by ./infra setup). */
export async function packerPluginInstalled(env: ToolEnv): Promise<boolean> {
  const dir = env.PACKER_PLUGIN_PATH
    ? join(env.PACKER_PLUGIN_PATH, 'github.com', 'hashicorp', 'proxmox')
    : undefined;
  if (!dir) return false;
  const present = await access(dir).then(
    () => true,
    () => false,
  );
  return present && (await readdir(dir)).some((name) => name.startsWith('packer-plugin-proxmox_'));
}

export function skipNote(missing: readonly string[]): string {
  return missing.length === 0 ? '' : ` [SKIPPED: ${missing.join(', ')} not installed; run ./infra setup]`;
}
