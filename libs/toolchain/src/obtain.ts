import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { InfraError, type Logger } from '@infra/core';
import type { ToolchainErrorCode } from './error-codes';
import { pipPins, readToolMarker, toolHome, venvVersionKey } from './facts';
import { aptInstall, extractDeb } from './installers/debian';
import { buildGo } from './installers/go';
import { installPackerPlugin } from './installers/packer-plugin';
import { installVenv, type PythonInterpreter } from './installers/python';
import type { ToolSpec } from './manifest';
import { type CacheLayout, providerMirror } from './paths';
import { findOnPath } from './probe';
import { createProgress } from './progress';
import type { Resolution } from './shim-plan';
import { installAtomically, installInPlace, resolveBin } from './store';

export interface ObtainContext {
  layout: CacheLayout;
  /** Filled in as tools resolve; the packer plugin reads packer's entry. */
  resolutions: Map<string, Resolution>;
  /** The interpreter for the venv, or why there is none. */
  python: PythonInterpreter | InfraError;
  allSpecs: readonly ToolSpec[];
  isRoot: boolean;
  /** Rebuild even what a previous run left in the cache. */
  force: boolean;
  logger?: Logger;
  /** Source archives checked against their pins before anything was built, by tool id. */
  archives: ReadonlyMap<string, { path: string; sha256: string }>;
  /** Settles when the tool of that id (being obtained in this run) is done; the plugins wait for packer. */
  ready: Map<string, Promise<void>>;
}

async function scratchDir(layout: CacheLayout): Promise<string> {
  const dir = join(layout.workDir, randomBytes(4).toString('hex'));
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Obtains one tool that the plan said to build, and returns where it now lives. */
export async function obtain(spec: ToolSpec, ctx: ObtainContext): Promise<Resolution> {
  const { layout } = ctx;
  const { recipe } = spec;
  const subject = `${spec.id} ${spec.version}`;
  const progress = createProgress(subject, ctx.logger ? { logger: ctx.logger } : {});
  const logFile = layout.logFile(recipe.cacheName, spec.version);
  const workDir = await scratchDir(layout);
  const archive = ctx.archives.get(spec.id);
  const goContext = { workDir, logFile, progress, subject, ...(archive ? { archive } : {}) };
  try {
    switch (recipe.kind) {
      case 'go': {
        const home = layout.toolDir(recipe.cacheName, spec.version);
        const marker = await installAtomically(home, async (temp) => {
          const outputs = recipe.go.packages.map((p) => ({ pkg: p.pkg, output: join(temp, 'bin', p.bin) }));
          const { method, origin } = await buildGo(recipe.go, spec.version, outputs, goContext);
          const bins = Object.fromEntries(recipe.go.packages.map((p) => [p.bin, join('bin', p.bin)]));
          return { id: spec.id, version: spec.version, method, origin, bins };
        });
        return { from: 'cache', home, marker };
      }
      case 'provider': {
        const home = layout.toolDir(recipe.cacheName, spec.version);
        const { binary } = providerMirror(layout, recipe.cacheName, recipe.address, spec.version);
        const inHome = relative(home, binary);
        const marker = await installAtomically(home, async (temp) => {
          const pkg = recipe.go.packages[0]!;
          const { method, origin } = await buildGo(
            recipe.go,
            spec.version,
            [{ pkg: pkg.pkg, output: join(temp, inHome) }],
            goContext,
          );
          return { id: spec.id, version: spec.version, method, origin, bins: { [pkg.bin]: inHome } };
        });
        return { from: 'cache', home, marker };
      }
      case 'packer-plugin': {
        const home = layout.toolDir(recipe.cacheName, spec.version);
        const pkg = recipe.go.packages[0]!;
        // The built binary may already be cached from an earlier run whose plugin-dir install was lost.
        let built = ctx.force ? undefined : await readToolMarker(spec, layout, undefined, ctx.allSpecs);
        if (!built) {
          const fresh = await installAtomically(home, async (temp) => {
            const output = join(temp, 'bin', pkg.bin);
            const { method, origin } = await buildGo(
              recipe.go,
              spec.version,
              [{ pkg: pkg.pkg, output }],
              goContext,
            );
            return {
              id: spec.id,
              version: spec.version,
              method,
              origin,
              bins: { [pkg.bin]: join('bin', pkg.bin) },
            };
          });
          built = { home, marker: fresh };
        }
        const { marker } = built;
        // The plugin is built alongside packer; installing it needs packer itself.
        await ctx.ready.get('packer');
        const packer = ctx.resolutions.get('packer');
        if (!packer) {
          throw new InfraError<ToolchainErrorCode>(
            'TOOLCHAIN_NEEDS_PACKER',
            `${subject}: packer is needed to install the plugin but is not available`,
            {
              hint: 'fix the packer install first (see its error above), then rerun',
            },
          );
        }
        const packerBin =
          packer.from === 'path'
            ? packer.binary
            : resolveBin(packer.home, packer.marker.bins.packer ?? 'bin/packer');
        await installPackerPlugin({
          packer: packerBin,
          pluginBinary: resolveBin(home, marker.bins[pkg.bin] ?? join('bin', pkg.bin)),
          source: recipe.source,
          version: spec.version,
          pluginDir: layout.packerPluginDir,
          workDir,
          logFile,
          progress,
          subject,
        });
        return { from: 'cache', home, marker };
      }
      case 'pip': {
        if (ctx.python instanceof Error) throw ctx.python;
        const python = ctx.python;
        const home = toolHome(spec, layout, python, ctx.allSpecs)!;
        const marker = await installInPlace(home, async (dir) => {
          const input = await installVenv(dir, python, pipPins(ctx.allSpecs), {
            logFile,
            progress,
            subject: 'python venv',
          });
          return { ...input, version: venvVersionKey(ctx.allSpecs) };
        });
        return { from: 'cache', home, marker };
      }
      case 'deb-extract': {
        const home = layout.toolDir(recipe.cacheName, spec.version);
        const marker = await installAtomically(home, (temp) =>
          extractDeb(temp, recipe.package, spec.version, recipe.bins[0]!, {
            workDir,
            logFile,
            progress,
            subject,
            isRoot: ctx.isRoot,
          }),
        );
        return { from: 'cache', home, marker };
      }
      case 'deb-system': {
        const find = () =>
          findOnPath(recipe.bins[0]!, { skipDirs: [layout.binDir], extraDirs: recipe.systemDirs });
        // install.ts may have installed it already, in one apt-get run with the other Debian packages.
        if (!(await find())) {
          await aptInstall(
            [recipe.package],
            { logFile, progress, subject, isRoot: ctx.isRoot },
            `${recipe.bins[0]} is missing and`,
          );
        }
        const binary = await find();
        if (!binary) {
          throw new InfraError<ToolchainErrorCode>(
            'TOOLCHAIN_INSTALL_FAILED',
            `${subject}: apt-get installed ${recipe.package} but ${recipe.bins[0]} is still not found`,
            {
              hint: `check \`dpkg -L ${recipe.package}\``,
            },
          );
        }
        return { from: 'path', binary, obtained: 'apt-get install' };
      }
      case 'bootstrap':
        throw new Error(`${spec.id} is provisioned by tools/bootstrap.sh, not by the toolchain`);
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
