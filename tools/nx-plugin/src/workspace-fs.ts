import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { isAbsolute, join, posix, relative, sep } from 'node:path';
import { parse } from 'yaml';
import type { PathKind } from './parsers/path-refs';
import type { WorkspaceReader } from './references';
import type { WorkspacePackages } from './validator-closure';

/** A WorkspaceReader over the real file system, memoised for the life of one plugin call. */
export function createWorkspaceReader(workspaceRoot: string): WorkspaceReader {
  const texts = new Map<string, string | undefined>();
  const kinds = new Map<string, PathKind | undefined>();
  const listings = new Map<string, { files: string[]; dirs: string[] }>();
  const list = (dir: string) => {
    if (!listings.has(dir)) {
      const listing = { files: [] as string[], dirs: [] as string[] };
      try {
        for (const entry of readdirSync(join(workspaceRoot, dir), { withFileTypes: true })) {
          if (entry.isFile()) listing.files.push(posix.join(dir, entry.name));
          else if (entry.isDirectory()) listing.dirs.push(posix.join(dir, entry.name));
        }
      } catch {
        // A missing folder lists as empty.
      }
      listing.files.sort();
      listing.dirs.sort();
      listings.set(dir, listing);
    }
    return listings.get(dir)!;
  };
  return {
    readFile(path) {
      if (!texts.has(path)) {
        let text: string | undefined;
        try {
          text = readFileSync(join(workspaceRoot, path), 'utf8');
        } catch {
          text = undefined;
        }
        texts.set(path, text);
      }
      return texts.get(path);
    },
    stat(path) {
      if (!kinds.has(path)) {
        let kind: PathKind | undefined;
        try {
          const stats = statSync(join(workspaceRoot, path));
          kind = stats.isDirectory() ? 'dir' : stats.isFile() ? 'file' : undefined;
        } catch {
          kind = undefined;
        }
        kinds.set(path, kind);
      }
      return kinds.get(path);
    },
    listFiles: (dir) => list(dir).files,
    listDirs: (dir) => list(dir).dirs,
    listLinks(dir) {
      const links: Array<{ path: string; target: string }> = [];
      try {
        for (const entry of readdirSync(join(workspaceRoot, dir), { withFileTypes: true })) {
          if (!entry.isSymbolicLink()) continue;
          const path = posix.join(dir, entry.name);
          const raw = readlinkSync(join(workspaceRoot, path));
          const target = isAbsolute(raw)
            ? relative(workspaceRoot, raw).split(sep).join('/')
            : posix.normalize(posix.join(dir, raw));
          if (target !== '..' && !target.startsWith('../') && !isAbsolute(target))
            links.push({ path, target });
        }
      } catch {
        // A missing folder has no links.
      }
      return links.sort((a, b) => a.path.localeCompare(b.path));
    },
  };
}

/**
 * Workspace packages from `pnpm-workspace.yaml` (`packages:` entries of the form `dir/*` or `dir`), by
 * package.json name. Other glob forms are not used in this repo and are ignored.
 */
export function readWorkspacePackages(reader: WorkspaceReader): WorkspacePackages {
  const packages = new Map<string, string>();
  let patterns: unknown;
  try {
    patterns = (parse(reader.readFile('pnpm-workspace.yaml') ?? '') as { packages?: unknown } | null)
      ?.packages;
  } catch {
    patterns = undefined;
  }
  if (!Array.isArray(patterns)) return packages;
  for (const pattern of patterns) {
    if (typeof pattern !== 'string' || pattern.startsWith('!')) continue;
    const dirs = pattern.endsWith('/*')
      ? reader.listDirs(pattern.slice(0, -2))
      : [pattern.replace(/\/$/, '')];
    for (const dir of dirs) {
      const name = _packageName(reader.readFile(`${dir}/package.json`));
      if (name) packages.set(name, dir);
    }
  }
  return packages;
}

// --- internal ---

function _packageName(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    const name = (JSON.parse(text) as { name?: unknown }).name;
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}
