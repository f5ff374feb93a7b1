import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ClusterErrorCode } from '@infra/cluster';
import type { ConfigErrorCode } from '@infra/config';
import { type CoreErrorCode, InfraError, isInfraError } from '@infra/core';
import type { DeployErrorCode } from '@infra/deploy';
import type { GpuHostErrorCode } from '@infra/gpu-host-setup';
import type { MoleculeErrorCode } from '@infra/molecule';
import type { WorkflowErrorCode } from '@infra/operations';
import type { PlatformErrorCode } from '@infra/platform';
import type { ProxmoxErrorCode } from '@infra/proxmox-client';
import type { ConnectErrorCode } from '@infra/proxmox-connect';
import type { PveApiErrorCode } from '@infra/pve-api';
import type { PveSimErrorCode } from '@infra/pve-sim';
import type { SopsErrorCode } from '@infra/sops-secrets';
import type { TalosFactoryErrorCode } from '@infra/talos-factory';
import type { TemplateBuilderErrorCode } from '@infra/template-builder';
import type { ToolchainErrorCode } from '@infra/toolchain';
import type { ValidatorsErrorCode } from '@infra/validators';
import { describe, expect, it } from 'vitest';
import type { BenchErrorCode } from '../bench/support/error-codes';
import type { OperationsErrorCode } from '../libs/operations/src/errors';
import type { NxPluginErrorCode } from '../tools/nx-plugin/src/error-codes';
import type { CodegenErrorCode } from '../tools/pve-codegen/src/error-codes';
import type { RenovateErrorCode } from '../tools/renovate/src/error-codes';
import type { ScriptsErrorCode } from './support/error-codes';

const ROOT = join(import.meta.dirname, '..');

/**
 * Packages whose error codes are a typed union (their src/, or bench/ and scripts/ themselves): every package that raises any.
 */
const TYPED = [
  'bench',
  'libs/cluster',
  'libs/config',
  'libs/core',
  'libs/deploy',
  'libs/factory-sim',
  'libs/gpu-host-setup',
  // Raises no InfraError at all; scanned so that a code added later must come with a union.
  'libs/image-mirror-sim',
  'libs/molecule',
  'libs/operations',
  'libs/platform',
  'libs/proxmox-client',
  'libs/proxmox-connect',
  'libs/pve-api',
  'libs/pve-sim',
  'libs/sops-secrets',
  'libs/talos-factory',
  'libs/talos-sim',
  'libs/template-builder',
  'libs/toolchain',
  'libs/unattend',
  'libs/validators',
  'scripts',
  'tools/nx-plugin',
  'tools/pve-codegen',
  'tools/renovate',
];

/** A package's source folder: its src/, or bench/ and scripts/ themselves (which have none). */
const sourceDir = (pkg: string) =>
  pkg === 'bench' || pkg === 'scripts' ? join(ROOT, pkg) : join(ROOT, pkg, 'src');

function productionFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((path) => !path.includes('/generated/') && !path.includes('/node_modules/'));
}

/** Node's errno names (ENOENT, EEXIST, EADDRINUSE): a system error's code, not one of ours. */
const ERRNO = /^E[A-Z0-9]+$/;

/** Every way a code escapes its union: a bare constructor, an unchecked subclass, a check by string. */
function untypedUses(text: string): string[] {
  const found: string[] = [];
  for (const [line, number] of text.split('\n').map((line, index) => [line, index + 1] as const)) {
    if (/new InfraError\(/.test(line)) found.push(`${number}: new InfraError( without a code union`);
    if (/extends InfraError\s*\{/.test(line))
      found.push(`${number}: extends InfraError without a code union`);
    if (/isInfraError\(\s*[\w.]+\s*,/.test(line))
      found.push(`${number}: isInfraError( with codes but no union`);
    if (/\[\s*'[A-Z][A-Z0-9_]*'[^\]]*\]\.includes\([\w.]*\bcode\)/.test(line))
      found.push(`${number}: .code looked up in a list of strings`);
    for (const match of line.matchAll(/\.code\s*[!=]==?\s*'([A-Z][A-Z0-9_]*)'/g)) {
      if (!ERRNO.test(match[1]!)) found.push(`${number}: .code compared to '${match[1]}' by string`);
    }
  }
  return found;
}

describe('typed error codes', () => {
  it('a misspelt code fails typecheck, in every library that has a union', () => {
    // The @ts-expect-error lines are the test: tsc (over every *.test.ts) fails if a misspelt code is ever
    // accepted, because the directive is then unused. Each line is a different library's union.
    const error: unknown = new InfraError<ProxmoxErrorCode>('PVE_NOT_FOUND', 'no such VM');
    // @ts-expect-error a misspelt code in a check
    expect(isInfraError<ProxmoxErrorCode>(error, 'PVE_NOTFOUND')).toBe(false);
    // @ts-expect-error another library's code is not one of this library's
    expect(isInfraError<ProxmoxErrorCode>(error, 'CONFIG_NOT_FOUND')).toBe(false);
    // @ts-expect-error BENCH_UNEXPECTD
    new InfraError<BenchErrorCode>('BENCH_UNEXPECTD', 'typo');
    // @ts-expect-error HOST_NOT_SPECIFED
    new InfraError<ScriptsErrorCode>('HOST_NOT_SPECIFED', 'typo');
    // @ts-expect-error SOPS_MAC_MISMACH
    new InfraError<SopsErrorCode>('SOPS_MAC_MISMACH', 'typo');
    // @ts-expect-error CONFIG_NOT_FUOND
    new InfraError<ConfigErrorCode>('CONFIG_NOT_FUOND', 'typo');
    // @ts-expect-error TOOL_MISING
    new InfraError<CoreErrorCode>('TOOL_MISING', 'typo');
    // @ts-expect-error DEPLOY_STATE_LOCKD
    new InfraError<DeployErrorCode>('DEPLOY_STATE_LOCKD', 'typo');
    // @ts-expect-error GPU_NOT_FUOND
    new InfraError<GpuHostErrorCode>('GPU_NOT_FUOND', 'typo');
    // @ts-expect-error MOLECULE_FAILD
    new InfraError<MoleculeErrorCode>('MOLECULE_FAILD', 'typo');
    // @ts-expect-error IMPORT_MANAGED
    new InfraError<OperationsErrorCode>('IMPORT_MANAGED', 'typo');
    // @ts-expect-error WORKFLOW_OPTION
    new InfraError<WorkflowErrorCode>('WORKFLOW_OPTION', 'typo');
    // @ts-expect-error PLATFORM_CHART_MISING
    new InfraError<PlatformErrorCode>('PLATFORM_CHART_MISING', 'typo');
    // @ts-expect-error PVE_NOT_FOUD
    new InfraError<ProxmoxErrorCode>('PVE_NOT_FOUD', 'typo');
    // @ts-expect-error SIM_LOOPBACK
    new InfraError<ConnectErrorCode>('SIM_LOOPBACK', 'typo');
    // @ts-expect-error PVE_PROPERTY_STRING_INVALD
    new InfraError<PveApiErrorCode>('PVE_PROPERTY_STRING_INVALD', 'typo');
    // @ts-expect-error SIM_PORT_INUSE
    new InfraError<PveSimErrorCode>('SIM_PORT_INUSE', 'typo');
    // @ts-expect-error SCHEMATIC_INVALD
    new InfraError<TalosFactoryErrorCode>('SCHEMATIC_INVALD', 'typo');
    // @ts-expect-error ISO_UPLOAD_NEDED
    new InfraError<TemplateBuilderErrorCode>('ISO_UPLOAD_NEDED', 'typo');
    // @ts-expect-error CLUSTER_IP_CLASHES
    new InfraError<ClusterErrorCode>('CLUSTER_IP_CLASHES', 'typo');
    // @ts-expect-error TOOLCHAIN_LOCK
    new InfraError<ToolchainErrorCode>('TOOLCHAIN_LOCK', 'typo');
    // @ts-expect-error PROJECT_NOTFOUND
    new InfraError<ValidatorsErrorCode>('PROJECT_NOTFOUND', 'typo');
    // @ts-expect-error NX_PLUGIN_NAME_CLASHES
    new InfraError<NxPluginErrorCode>('NX_PLUGIN_NAME_CLASHES', 'typo');
    // @ts-expect-error PVE_GENERATED_OLD
    new InfraError<CodegenErrorCode>('PVE_GENERATED_OLD', 'typo');
    // @ts-expect-error RENOVATE_CONFIG_INVALD
    new InfraError<RenovateErrorCode>('RENOVATE_CONFIG_INVALD', 'typo');

    expect(isInfraError<ProxmoxErrorCode>(error, 'PVE_NOT_FOUND')).toBe(true);
    expect(isInfraError<ProxmoxErrorCode>(error, 'PVE_AUTH_FAILED', 'PVE_NOT_FOUND')).toBe(true);
    expect(isInfraError<ProxmoxErrorCode>(error, 'PVE_AUTH_FAILED')).toBe(false);
  });

  it('production code raises and checks codes only through its union', () => {
    const problems = TYPED.flatMap((pkg) =>
      productionFiles(sourceDir(pkg)).flatMap((file) =>
        untypedUses(readFileSync(file, 'utf8')).map((problem) => `${relative(ROOT, file)}:${problem}`),
      ),
    );
    expect(problems).toEqual([]);
  });

  it('each union lists only codes its library raises or checks', () => {
    const stale: string[] = [];
    for (const pkg of TYPED) {
      const files = productionFiles(sourceDir(pkg)).map((file) => ({
        file,
        text: readFileSync(file, 'utf8'),
      }));
      for (const { file, text } of files) {
        const union = /export type \w+ErrorCode =([^;]+);/.exec(text);
        if (!union) continue;
        for (const [, code] of union[1]!.matchAll(/'([A-Z0-9_]+)'/g)) {
          // Outside the union's own declaration: raised, checked, or passed on somewhere in the package.
          const used = files.some((other) =>
            (other.file === file ? text.replace(union[0], '') : other.text).includes(`'${code}'`),
          );
          if (!used) stale.push(`${relative(ROOT, file)}: ${code}`);
        }
      }
    }
    expect(stale).toEqual([]);
  });

  it('the scan catches each untyped form', () => {
    expect(untypedUses("throw new InfraError('X_Y', 'm');")).toHaveLength(1);
    expect(untypedUses('class A extends InfraError {')).toHaveLength(1);
    expect(untypedUses("if (isInfraError(error, 'X_Y')) return;")).toHaveLength(1);
    expect(untypedUses("if (isInfraError(error) && error.code === 'X_Y') return;")).toHaveLength(1);
    expect(
      untypedUses("if (isInfraError(error) && ['X_Y', 'X_Z'].includes(error.code)) throw error;"),
    ).toHaveLength(1);
    expect(untypedUses("if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;")).toEqual([]);
    expect(untypedUses("throw new InfraError<ConfigErrorCode>('CONFIG_CYCLE', 'm');")).toEqual([]);
  });
});
