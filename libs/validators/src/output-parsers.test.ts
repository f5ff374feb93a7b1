import { describe, expect, it } from 'vitest';
import { parseAnsibleLint, parseSyntaxCheck } from './ansible-output';
import { parseCheckov } from './checkov';
import { parseCloudInitSchema } from './cloud-init-output';
import { parseFmtDiff } from './fmt-diff';
import { parseHclDiagnostics } from './hcl-diagnostics';
import { parseTflint, parseTofuValidate } from './tofu-output';
import { parseYamllint } from './yamllint';

// Outputs below were captured from the real tools (tofu 1.12.6, packer 1.16.0 + proxmox 1.2.4, tflint 0.64.0,
// ansible-core 2.19, ansible-lint 26.10, yamllint 1.38, cloud-init 22.4.2, checkov 3.3).
const same = (path: string) => path;

describe('fmt -check -diff', () => {
  it('finds each file and the first original line that changes', () => {
    const output = [
      'sub/x.tf',
      '--- old/sub/x.tf',
      '+++ new/sub/x.tf',
      '@@ -1,3 +1,3 @@',
      ' variable "a" {',
      '-type = string',
      '+  type = string',
      ' }',
      'y.tf',
      '--- old/y.tf',
      '+++ new/y.tf',
      '@@ -1,4 +1,4 @@',
      ' locals {',
      '-  a = 1',
      '+  a  = 1',
      '   bb = 2',
      ' }',
      '',
    ].join('\n');
    expect(parseFmtDiff(output)).toEqual([
      { file: 'sub/x.tf', line: 2, excerpt: 'type = string' },
      { file: 'y.tf', line: 2, excerpt: 'a = 1' },
    ]);
  });

  it('falls back to bare file names without -diff', () => {
    expect(parseFmtDiff('main.tf\nvariables.tf\n')).toEqual([{ file: 'main.tf' }, { file: 'variables.tf' }]);
  });
});

describe('HCL diagnostics (packer validate, tofu init)', () => {
  it('reads summary, location and detail', () => {
    const output = [
      'Error: Unsupported argument',
      '',
      '  on debian.pkr.hcl line 24:',
      '  (source code not available)',
      '',
      'An argument named "clone_disks" is not expected here.',
      '',
    ].join('\n');
    expect(parseHclDiagnostics(output)).toEqual([
      {
        severity: 'error',
        summary: 'Unsupported argument',
        detail: 'An argument named "clone_disks" is not expected here.',
        file: 'debian.pkr.hcl',
        line: 24,
      },
    ]);
  });

  it('splits a plugin Prepare() error list into one diagnostic per problem', () => {
    const output = [
      'Error: 2 error(s) occurred:',
      '',
      '* vm_name must be a valid DNS name',
      '* template_name must be a valid DNS name',
      '',
      '  on debian.pkr.hcl line 14:',
      '  (source code not available)',
      '',
    ].join('\n');
    expect(parseHclDiagnostics(output).map((d) => [d.summary, d.file, d.line])).toEqual([
      ['vm_name must be a valid DNS name', 'debian.pkr.hcl', 14],
      ['template_name must be a valid DNS name', 'debian.pkr.hcl', 14],
    ]);
  });

  it('handles the boxed style with a source snippet and keeps warnings apart', () => {
    const output = [
      '╷',
      '│ Warning: Deprecated attribute',
      '│ ',
      '│   on main.tf line 3, in resource "x" "y":',
      '│    3:   old = 1',
      '│ ',
      '│ Use new instead.',
      '╵',
      '╷',
      '│ Error: Invalid expression',
      '│ ',
      '│   on main.tf line 12:',
      '│   12:   bios = = var.bios',
      '│ ',
      '│ Expected the start of an expression, but found an invalid expression token.',
      '╵',
    ].join('\n');
    expect(parseHclDiagnostics(output)).toEqual([
      {
        severity: 'warning',
        summary: 'Deprecated attribute',
        detail: 'Use new instead.',
        file: 'main.tf',
        line: 3,
      },
      {
        severity: 'error',
        summary: 'Invalid expression',
        detail: 'Expected the start of an expression, but found an invalid expression token.',
        file: 'main.tf',
        line: 12,
      },
    ]);
  });
});

describe('tofu validate -json and tflint --format=json', () => {
  it('maps diagnostics to findings with the ranges the tools give', () => {
    const validate = JSON.stringify({
      format_version: '1.0',
      valid: false,
      error_count: 1,
      warning_count: 0,
      diagnostics: [
        {
          severity: 'error',
          summary: 'Unsupported argument',
          detail: 'An argument named "boot_speed" is not expected here.',
          range: {
            filename: 'main.tf',
            start: { line: 17, column: 3, byte: 1 },
            end: { line: 17, column: 13, byte: 2 },
          },
        },
      ],
    });
    expect(parseTofuValidate(validate, (p) => `terraform/m/${p}`, 'terraform/m')).toEqual([
      {
        file: 'terraform/m/main.tf',
        line: 17,
        column: 3,
        rule: 'validate/unsupported-argument',
        severity: 'error',
        message: 'Unsupported argument: An argument named "boot_speed" is not expected here.',
        tool: 'tofu',
      },
    ]);
  });

  it('treats tflint warnings as errors and notices as warnings', () => {
    const issue = (name: string, severity: string) => ({
      rule: { name, severity, link: 'https://example.invalid' },
      message: `${name} says so`,
      range: { filename: 'variables.tf', start: { line: 68, column: 1 }, end: { line: 68, column: 24 } },
      callers: [],
    });
    const output = JSON.stringify({
      issues: [
        issue('terraform_unused_declarations', 'warning'),
        issue('terraform_comment_syntax', 'notice'),
      ],
      errors: [{ message: 'Failed to parse', severity: 'error' }],
    });
    expect(
      parseTflint(output, same, 'terraform/env').map((f) => [f.rule, f.severity, f.file, f.line]),
    ).toEqual([
      ['terraform_unused_declarations', 'error', 'variables.tf', 68],
      ['terraform_comment_syntax', 'warning', 'variables.tf', 68],
      ['tflint/error', 'error', 'terraform/env', undefined],
    ]);
  });

  it('says so when a tool prints something that is not its JSON report', () => {
    expect(parseTofuValidate('panic: boom', same, 'x')).toEqual([
      expect.objectContaining({ file: 'x', rule: 'TOOL_OUTPUT', severity: 'error' }),
    ]);
  });
});

describe('cloud-init schema', () => {
  it('splits the error list and keeps the key path of each entry', () => {
    const stderr =
      "Error:\nCloud config schema errors: packages: 'x' is not of type 'array', runcmd: 3 is not of type 'array', users.0: {'name': 'a', 'lock_passwd': 'maybe'} is not valid under any of the given schemas\n";
    expect(parseCloudInitSchema('Cloud config schema deprecations: \n', stderr)).toEqual([
      { severity: 'error', path: 'packages', message: "packages: 'x' is not of type 'array'" },
      { severity: 'error', path: 'runcmd', message: "runcmd: 3 is not of type 'array'" },
      {
        severity: 'error',
        path: 'users.0',
        message: "users.0: {'name': 'a', 'lock_passwd': 'maybe'} is not valid under any of the given schemas",
      },
    ]);
  });

  it('reads format errors with their line and column, and deprecations as warnings', () => {
    const stderr =
      'Error:\nCloud config schema errors: format-l1.c1: File /tmp/u needs to begin with "#cloud-config"\n';
    expect(parseCloudInitSchema('', stderr)).toEqual([
      { severity: 'error', line: 1, column: 1, message: 'File /tmp/u needs to begin with "#cloud-config"' },
    ]);
    const stdout =
      'Cloud config schema deprecations: apt_update: DEPRECATED: Dropped after April 2027. Use ``package_update``. Default: ``false``\nValid cloud-config: /tmp/dep.yaml\n';
    expect(parseCloudInitSchema(stdout, '')).toEqual([
      {
        severity: 'warning',
        path: 'apt_update',
        message:
          'apt_update: DEPRECATED: Dropped after April 2027. Use ``package_update``. Default: ``false``',
      },
    ]);
  });

  it('finds nothing in a valid file', () => {
    expect(parseCloudInitSchema('Valid cloud-config: /tmp/good.yaml\n', '')).toEqual([]);
  });
});

describe('ansible', () => {
  it('reads ansible-core 2.19 and legacy syntax-check errors', () => {
    const modern =
      '[ERROR]: conflicting action statements: ansible.builtin.debug, bogus_keyword\nOrigin: /tmp/a/playbooks/bad.yml:5:7\n\n3   hosts: all\n';
    const legacy =
      "ERROR! 'become_sideways' is not a valid attribute for a Play\n\nThe error appears to be in '/tmp/a/p.yml': line 3, column 3, but may\n";
    expect(parseSyntaxCheck(modern)).toEqual([
      {
        message: 'conflicting action statements: ansible.builtin.debug, bogus_keyword',
        file: '/tmp/a/playbooks/bad.yml',
        line: 5,
        column: 7,
      },
    ]);
    expect(parseSyntaxCheck(legacy)).toEqual([
      {
        message: "'become_sideways' is not a valid attribute for a Play",
        file: '/tmp/a/p.yml',
        line: 3,
        column: 3,
      },
    ]);
  });

  it('maps ansible-lint codeclimate issues; minor means warning', () => {
    const issue = (check: string, severity: string, line: number) => ({
      type: 'issue',
      check_name: check,
      categories: ['formatting'],
      url: 'https://docs.ansible.com/projects/lint/rules/fqcn/',
      severity,
      description: 'Use FQCN for builtin module actions (apt).',
      fingerprint: 'x',
      location: { path: 'roles/baseline/tasks/packages.yml', positions: { begin: { line, column: 3 } } },
      content: { body: 'Use `ansible.builtin.apt` or `ansible.legacy.apt` instead.' },
    });
    const output = JSON.stringify([
      issue('fqcn[action-core]', 'major', 3),
      issue('name[casing]', 'minor', 9),
    ]);
    expect(parseAnsibleLint(output, (p) => `ansible/${p}`)).toEqual([
      {
        file: 'ansible/roles/baseline/tasks/packages.yml',
        line: 3,
        column: 3,
        rule: 'fqcn[action-core]',
        severity: 'error',
        message:
          'Use FQCN for builtin module actions (apt). Use `ansible.builtin.apt` or `ansible.legacy.apt` instead.',
        tool: 'ansible-lint',
      },
      expect.objectContaining({ rule: 'name[casing]', severity: 'warning', line: 9 }),
    ]);
    expect(parseAnsibleLint('[]', same)).toEqual([]);
    expect(parseAnsibleLint('Traceback (most recent call last):', same)).toBeUndefined();
  });
});

describe('yamllint -f parsable', () => {
  it('reads level, rule and position', () => {
    const output = [
      'ansible/roles/baseline/defaults/main.yml:25:38: [error] truthy value should be one of [false, true] (truthy)',
      'infra.config.yaml:35:121: [warning] line too long (153 > 120 characters) (line-length)',
      "x.yaml:2:1: [error] syntax error: expected <block end>, but found '-'",
    ].join('\n');
    expect(parseYamllint(output, same).map((f) => [f.file, f.line, f.column, f.severity, f.rule])).toEqual([
      ['ansible/roles/baseline/defaults/main.yml', 25, 38, 'error', 'truthy'],
      ['infra.config.yaml', 35, 121, 'warning', 'line-length'],
      ['x.yaml', 2, 1, 'error', 'syntax'],
    ]);
  });
});

describe('checkov -o json', () => {
  const failed = {
    check_id: 'CKV_ANSIBLE_2',
    check_name: "Ensure that certificate validation isn't disabled with get_url",
    file_path: '/pb.yml',
    file_abs_path: '/tmp/ckdef/pb.yml',
    file_line_range: [5, 12],
    resource: 'tasks.ansible.builtin.get_url.Fetch',
    guideline: null,
  };
  const summary = {
    passed: 1,
    failed: 1,
    skipped: 0,
    parsing_errors: 0,
    resource_count: 0,
    checkov_version: '3.3.30',
  };

  it('reads one report, several reports, and the bare summary of an empty scan', () => {
    const single = JSON.stringify({ check_type: 'ansible', results: { failed_checks: [failed] }, summary });
    expect(parseCheckov(single, same, '/tmp/ckdef')).toEqual([
      {
        file: '/tmp/ckdef/pb.yml',
        line: 5,
        rule: 'CKV_ANSIBLE_2',
        severity: 'error',
        message:
          "Ensure that certificate validation isn't disabled with get_url (tasks.ansible.builtin.get_url.Fetch)",
        tool: 'checkov',
      },
    ]);
    const several = JSON.stringify([
      { check_type: 'terraform', results: { failed_checks: [] }, summary },
      {
        check_type: 'ansible',
        results: { failed_checks: [failed, { ...failed, file_abs_path: undefined }] },
        summary,
      },
    ]);
    expect(parseCheckov(several, same, '/scan')?.map((f) => f.file)).toEqual([
      '/tmp/ckdef/pb.yml',
      '/scan/pb.yml',
    ]);
    expect(parseCheckov(JSON.stringify(summary), same, '/scan')).toEqual([]);
    expect(parseCheckov('not json', same, '/scan')).toBeUndefined();
  });
});
