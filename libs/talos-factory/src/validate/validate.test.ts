import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  readablePath,
  validateMachineConfigDocument,
  validateMachineConfigText,
  validatePatchFile,
} from './validate';

const V13 = 'v1.13.9';
const V14 = 'v1.14.0-rc.1';

describe('validateMachineConfigText', () => {
  it('accepts a valid strategic-merge patch', () => {
    expect(validateMachineConfigText('machine:\n  install:\n    disk: /dev/sda\n', V13)).toEqual([]);
  });

  it('coerces scalars into string-typed map values like Talos (sysctls: 1, true, 1.50)', () => {
    const text = 'machine:\n  sysctls:\n    net.core.bpf_jit_harden: 1\n    a.b: true\n    c.d: 1.50\n';
    expect(validateMachineConfigText(text, V13)).toEqual([]);
  });

  it('reports an unknown field with file, line, readable path and rule', () => {
    const text = 'machine:\n  kernel:\n    modules:\n      - name: nvidia\n        nmae: typo\n';
    expect(validateMachineConfigText(text, V13, 'talos/patches/x.yaml')).toEqual([
      {
        file: 'talos/patches/x.yaml',
        line: 5,
        path: 'machine.kernel.modules[0].nmae',
        rule: 'additionalProperties',
        message: 'unknown field "nmae"',
      },
    ]);
  });

  it('reports a wrong type where Go would not coerce (a map where a string is expected)', () => {
    const findings = validateMachineConfigText('machine:\n  install:\n    disk: {a: b}\n', V13);
    expect(findings).toMatchObject([
      { line: 3, path: 'machine.install.disk', rule: 'type', message: 'must be string' },
    ]);
  });

  it('flags an unquoted date in a string field (Go decodes it as a timestamp and fails)', () => {
    const findings = validateMachineConfigText('machine:\n  nodeLabels:\n    built: 2024-01-02\n', V13);
    expect(findings).toMatchObject([{ line: 3, path: 'machine.nodeLabels.built', rule: 'timestamp' }]);
  });

  it('validates every document of a multi-document file and numbers them', () => {
    const text =
      'machine:\n  certSANs: [10.0.0.1]\n---\napiVersion: v1alpha1\nkind: KernelModuleConfig\nname: nvidia\n';
    expect(validateMachineConfigText(text, V14)).toEqual([]);
    const bad = validateMachineConfigText(text, V13);
    expect(bad).toMatchObject([{ path: '#2 kind', rule: 'unknown-kind', line: 5 }]);
    expect(bad[0]?.message).toMatch(
      /unknown document kind "KernelModuleConfig".*known kinds: .*ExtensionServiceConfig/,
    );
  });

  it('uses the schema of the version: machine.install exists in v1.13 but not in v1.14', () => {
    const text = 'machine:\n  install:\n    disk: /dev/sda\n';
    expect(validateMachineConfigText(text, V13)).toEqual([]);
    expect(validateMachineConfigText(text, V14)).toMatchObject([
      { path: 'machine.install', rule: 'additionalProperties' },
    ]);
  });

  it('reports a missing required field of a multi-doc kind', () => {
    const findings = validateMachineConfigText('apiVersion: v1alpha1\nkind: KernelModuleConfig\n', V14);
    expect(findings).toMatchObject([{ rule: 'required', message: 'missing required field "name"' }]);
  });

  it('reports YAML syntax errors with their line', () => {
    expect(validateMachineConfigText('machine:\n  install: [\n', V13)).toMatchObject([
      { rule: 'yaml-syntax', line: 3 },
    ]);
  });

  it('checks JSON6902 patches for shape only', () => {
    expect(validateMachineConfigText('- op: add\n  path: /machine/files\n  value: []\n', V13)).toEqual([]);
    expect(validateMachineConfigText('- op: plus\n  path: machine\n', V13)).toMatchObject([
      { rule: 'json6902', message: expect.stringMatching(/op must be one of/) },
      { rule: 'json6902', message: expect.stringMatching(/JSON pointer/) },
    ]);
  });

  it('ignores strategic-merge $patch: delete directives', () => {
    expect(validateMachineConfigText('machine:\n  network:\n    $patch: delete\n', V13)).toEqual([]);
  });

  it('refuses a Talos line with no vendored schema instead of guessing', () => {
    expect(() => validateMachineConfigText('machine: {}\n', 'v1.12.11')).toThrow(
      expect.objectContaining({ code: 'TALOS_SCHEMA_UNAVAILABLE' }),
    );
    expect(() => validateMachineConfigText('machine: {}\n', 'one-point-thirteen')).toThrow(
      expect.objectContaining({ code: 'TALOS_VERSION_INVALID' }),
    );
  });
});

describe('validateMachineConfigDocument / validatePatchFile', () => {
  it('validates in-memory documents (numbers in string maps coerced)', () => {
    expect(validateMachineConfigDocument({ machine: { sysctls: { 'vm.x': 1 } } }, V13)).toEqual([]);
    expect(validateMachineConfigDocument({ machine: { sysctl: {} } }, V13)).toMatchObject([
      { path: 'machine.sysctl', rule: 'additionalProperties' },
    ]);
  });

  it('reads a file and names it in findings', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'talos-validate-'));
    const file = join(dir, 'p.yaml');
    writeFileSync(file, 'machine:\n  bogus: 1\n');
    expect(await validatePatchFile(file, V13)).toMatchObject([{ file, line: 2, path: 'machine.bogus' }]);
    expect(await validatePatchFile(join(dir, 'missing.yaml'), V13)).toMatchObject([{ rule: 'read' }]);
  });

  it('formats JSON pointers readably', () => {
    expect(readablePath('/machine/sysctls/net.core.x')).toBe('machine.sysctls["net.core.x"]');
    expect(readablePath('/a~1b/0')).toBe('["a/b"][0]');
  });
});
