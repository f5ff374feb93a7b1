import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InfraError } from '@infra/core';
import { describe, expect, it } from 'vitest';
import { parseManifest } from './manifest';

function errorOf(text: string): InfraError {
  try {
    parseManifest(text, 'test/mise.toml');
  } catch (error) {
    if (error instanceof InfraError) return error;
    throw error;
  }
  throw new Error('expected parseManifest to throw');
}

describe('parseManifest', () => {
  it('reads [tools] and the [_.infra] tables, in both string and table form', () => {
    const specs = parseManifest(`
[tools]
node = "24.21.0"
opentofu = "1.12.6"
"pipx:ansible-core" = { version = "2.19.14", os = ["linux"] }

[_.infra.providers]
"bpg/proxmox" = "0.111.1"
"siderolabs/talos" = { version = "0.11.0", optional = true, reason = "proxy refuses it", sha256 = "c435b8e8a5a791c26fd323a2a879b5b2523cdc805dcb1c49f5f72896fe66efee" }

[_.infra.debian]
cloud-init = "22.4.2-1+deb12u4"
openssh-server = "system"
`);
    expect(specs.map((s) => [s.id, s.version, s.optional])).toEqual([
      ['node', '24.21.0', false],
      ['opentofu', '1.12.6', false],
      ['ansible-core', '2.19.14', false],
      ['bpg/proxmox', '0.111.1', false],
      ['siderolabs/talos', '0.11.0', true],
      ['cloud-init', '22.4.2-1+deb12u4', false],
      ['openssh-server', 'system', false],
    ]);
    expect(specs.find((s) => s.id === 'siderolabs/talos')?.reason).toBe('proxy refuses it');
    expect(specs.find((s) => s.id === 'ansible-core')?.table).toBe('[tools]');
    expect(specs.find((s) => s.id === 'bpg/proxmox')?.recipe.kind).toBe('provider');
  });

  it('accepts the aqua backend spelling of a registry tool', () => {
    const [spec] = parseManifest('[tools]\n"aqua:opentofu/opentofu" = "1.12.6"\n');
    expect(spec?.id).toBe('opentofu');
    expect(spec?.key).toBe('aqua:opentofu/opentofu');
  });

  it('ignores the rest of mise.toml ([env], [settings], [tasks], other [_] keys)', () => {
    const specs = parseManifest(`
[env]
FOO = "bar"
[settings]
experimental = true
[tasks.build]
run = "echo hi"
[_]
note = "free-form"
[tools]
sops = "3.13.2"
`);
    expect(specs.map((s) => s.id)).toEqual(['sops']);
  });

  it('rejects an unknown tool, naming the file, table and key, and listing what is known', () => {
    const error = errorOf('[tools]\nterraform = "1.15.9"\n');
    expect(error.code).toBe('TOOLCHAIN_UNKNOWN_TOOL');
    expect(error.message).toContain('test/mise.toml [tools] "terraform"');
    expect(error.hint).toContain('opentofu');
    expect(error.hint).toContain('catalog.ts');
  });

  it('rejects a provider written in the wrong table as unknown there', () => {
    const error = errorOf('[tools]\n"bpg/proxmox" = "0.111.1"\n');
    expect(error.code).toBe('TOOLCHAIN_UNKNOWN_TOOL');
    expect(error.message).toContain('[tools] "bpg/proxmox"');
  });

  it.each([
    ['[tools]\nopentofu = "1.12"\n', 'opentofu', 'MAJOR.MINOR.PATCH'],
    ['[tools]\nopentofu = "v1.12.6"\n', 'opentofu', 'without a leading v'],
    ['[tools]\nopentofu = "latest"\n', 'opentofu', 'MAJOR.MINOR.PATCH'],
    ['[tools]\n"pipx:ansible-core" = "2.19.x"\n', 'pipx:ansible-core', 'exact PyPI release'],
    ['[tools]\n"pipx:ansible-core" = ">=2.19,<2.20"\n', 'pipx:ansible-core', 'exact PyPI release'],
    ['[_.infra.debian]\ncloud-init = "latest"\n', 'cloud-init', 'Debian package version'],
    ['[_.infra.debian]\nopenssh-server = "9.2"\n', 'openssh-server', '"system"'],
  ])('rejects a version that is not exact: %s', (text, key, expected) => {
    const error = errorOf(text);
    expect(error.code).toBe('TOOLCHAIN_BAD_VERSION');
    expect(error.message).toContain(`"${key}"`);
    expect(error.message).toContain(expected);
  });

  it('rejects invalid TOML with the parser position', () => {
    const error = errorOf('[tools]\nopentofu = 1.12.6\n');
    expect(error.code).toBe('TOOLCHAIN_MANIFEST_INVALID');
    expect(error.message).toContain('test/mise.toml is not valid TOML');
  });

  it('rejects entries of the wrong shape, and unknown [_.infra] tables', () => {
    expect(errorOf('[tools]\nopentofu = 1\n').code).toBe('TOOLCHAIN_MANIFEST_INVALID');
    const unknownTable = errorOf('[_.infra.brew]\njq = "1.7"\n');
    expect(unknownTable.code).toBe('TOOLCHAIN_MANIFEST_INVALID');
    expect(unknownTable.message).toContain('_.infra');
    const typo = errorOf('[_.infra.providers]\n"bpg/proxmox" = { version = "0.111.1", optinal = true }\n');
    expect(typo.code).toBe('TOOLCHAIN_MANIFEST_INVALID');
  });

  it('requires a sha256 for archive-built tools, and only for them', () => {
    const missing = errorOf('[_.infra.providers]\n"siderolabs/talos" = "0.11.0"\n');
    expect(missing.code).toBe('TOOLCHAIN_MANIFEST_INVALID');
    expect(missing.message).toContain(
      '"siderolabs/talos" is built from terraform-provider-talos-v0.11.0.tar.gz but pins no sha256',
    );
    expect(missing.hint).toContain('sha256 = "<sha256sum of terraform-provider-talos-v0.11.0.tar.gz>"');
    const stray = errorOf(
      `[_.infra.providers]\n"bpg/proxmox" = { version = "0.111.1", sha256 = "${'a'.repeat(64)}" }\n`,
    );
    expect(stray.message).toContain('has a sha256, but it is not built from a source archive');
    const malformed = errorOf(
      '[_.infra.providers]\n"siderolabs/talos" = { version = "0.11.0", sha256 = "C435" }\n',
    );
    expect(malformed.message).toContain('64 lowercase hex digits');
  });

  it("reads mise's pipx `extras` into the pip requirement, and rejects it elsewhere", () => {
    const [spec] = parseManifest(
      '[tools]\n"pipx:molecule-plugins" = { version = "26.10.12", extras = "podman, docker" }\n',
    );
    expect(spec?.extras).toEqual(['podman', 'docker']);
    expect(errorOf('[tools]\nhelm = { version = "4.3.2", extras = "x" }\n').message).toContain(
      'is not a comma-separated list of PyPI extras of a pipx: tool',
    );
  });

  it('rejects the same tool pinned twice under two spellings', () => {
    const error = errorOf('[tools]\nopentofu = "1.12.6"\n"aqua:opentofu/opentofu" = "1.12.5"\n');
    expect(error.code).toBe('TOOLCHAIN_MANIFEST_INVALID');
    expect(error.message).toContain('pins opentofu twice');
  });

  it("parses the repository's own mise.toml, which pins every tool the project needs", () => {
    const text = readFileSync(join(import.meta.dirname, '..', '..', '..', 'mise.toml'), 'utf8');
    const specs = parseManifest(text);
    const ids = specs.map((s) => s.id);
    for (const id of [
      'node',
      'opentofu',
      'packer',
      'tflint',
      'terraform-docs',
      'sops',
      'age',
      'ansible-core',
      'ansible-lint',
      'yamllint',
      'molecule',
      'checkov',
      'bpg/proxmox',
      'siderolabs/talos',
      'packer-plugin-proxmox',
      'packer-plugin-ansible',
      'talosctl',
      'helm',
      'kubeconform',
      'kubernetes-validate',
      'ansible',
      'molecule-plugins',
      'podman',
      'runc',
      'fuse-overlayfs',
      'debootstrap',
      'cloud-init',
      'openssh-server',
      'openssh-client',
    ]) {
      expect(ids).toContain(id);
    }
    expect(specs.find((s) => s.id === 'ansible-core')?.version).toMatch(/^2\.19\.\d+$/);
    // ansible 12.x requires ansible-core ~=2.19.5: the two pins move together.
    expect(specs.find((s) => s.id === 'ansible')?.version).toMatch(/^12\.\d+\.\d+$/);
    expect(specs.find((s) => s.id === 'molecule-plugins')?.extras).toEqual(['podman']);
    // The archive pins are the sha256s of ../shared/sources/README.md.
    expect(specs.filter((s) => s.sha256).map((s) => [s.id, s.sha256])).toEqual([
      ['siderolabs/talos', 'c435b8e8a5a791c26fd323a2a879b5b2523cdc805dcb1c49f5f72896fe66efee'],
      ['packer-plugin-proxmox', '303fbec4d3247019f15084800b8bba687605dfb70d362408666d9d06c7bbbbce'],
      ['packer-plugin-ansible', '61e3a4f1f4a9fb1dd70db1312e8fd971b5706cd5a475fbeeb393536432f3e26e'],
    ]);
    // tools/bootstrap.sh reads the node pin with sed: it must stay a plain `node = "x.y.z"` line.
    expect(text).toMatch(/^node = "\d+\.\d+\.\d+"$/m);
  });
});
