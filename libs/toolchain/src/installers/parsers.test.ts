import { describe, expect, it } from 'vitest';
import { pythonDependencies } from './debian';
import { isProxyRefusal, needsSourceBuild, parseModDownload } from './go';
import { isInstalledPluginFile, pluginBinaryPrefix } from './packer-plugin';
import { pythonSupported } from './python';

describe('pythonDependencies', () => {
  it("takes the python3-* packages of cloud-init's real Depends field", () => {
    // dpkg-deb -f cloud-init_22.4.2-1+deb12u4_all.deb Depends
    const depends =
      'eject, fdisk | util-linux (<< 2.29.2-3~), gdisk, isc-dhcp-client, locales, lsb-base, lsb-release, procps, python3-configobj, python3-jinja2, python3-jsonpatch, python3-jsonschema, python3-netifaces, python3-oauthlib, python3-requests, python3-serial, python3-yaml, python3:any';
    expect(pythonDependencies(depends)).toEqual([
      'python3-configobj',
      'python3-jinja2',
      'python3-jsonpatch',
      'python3-jsonschema',
      'python3-netifaces',
      'python3-oauthlib',
      'python3-requests',
      'python3-serial',
      'python3-yaml',
    ]);
  });

  it('drops version constraints and arch qualifiers, and keeps the first alternative', () => {
    expect(pythonDependencies('python3-yaml (>= 5.0), python3-a:any | python3-b, libc6')).toEqual([
      'python3-a',
      'python3-yaml',
    ]);
    expect(pythonDependencies('')).toEqual([]);
  });
});

describe('go output parsing', () => {
  it('reads the module directory or the error from go mod download -json', () => {
    expect(parseModDownload('{"Path":"x","Version":"v1","Dir":"/go/pkg/mod/x@v1"}')).toEqual({
      dir: '/go/pkg/mod/x@v1',
    });
    const refused = parseModDownload(
      '{"Path":"github.com/hashicorp/packer-plugin-proxmox","Version":"v1.2.4","Error":"reading https://proxy.golang.org/github.com/hashicorp/packer-plugin-proxmox/@v/v1.2.4.zip: 403 Forbidden\\n\\tserver response: This module version is not available."}',
    );
    expect(refused.dir).toBeUndefined();
    expect(isProxyRefusal(refused.error!)).toBe(true);
    expect(isProxyRefusal('dial tcp: lookup proxy.golang.org: i/o timeout')).toBe(false);
    expect(parseModDownload('')).toEqual({ error: 'go mod download printed nothing' });
  });

  it('recognises the go install failures that a source build avoids', () => {
    expect(
      needsSourceBuild(
        'go: github.com/bpg/terraform-provider-proxmox@v0.111.1: loading deprecation for github.com/bpg/terraform-provider-proxmox: module github.com/bpg/terraform-provider-proxmox: reading https://proxy.golang.org/github.com/bpg/terraform-provider-proxmox/@v/list: 403 Forbidden',
      ),
    ).toBe(true);
    expect(
      needsSourceBuild(
        'The go.mod file for the module providing named packages contains one or more replace directives. It must not contain directives that would cause it to be interpreted differently than if it were the main module.',
      ),
    ).toBe(true);
    expect(needsSourceBuild('cmd/sops/main.go:12:2: undefined: foo')).toBe(false);
  });
});

describe('packer plugin file names', () => {
  it('matches the files packer plugins install writes for this version and platform only', () => {
    expect(pluginBinaryPrefix('github.com/hashicorp/proxmox')).toBe('packer-plugin-proxmox');
    const src = 'github.com/hashicorp/proxmox';
    expect(
      isInstalledPluginFile('packer-plugin-proxmox_v1.2.4_x5.0_linux_amd64', src, '1.2.4', 'linux_amd64'),
    ).toBe(true);
    expect(
      isInstalledPluginFile(
        'packer-plugin-proxmox_v1.2.4_x5.0_linux_amd64_SHA256SUM',
        src,
        '1.2.4',
        'linux_amd64',
      ),
    ).toBe(false);
    expect(
      isInstalledPluginFile('packer-plugin-proxmox_v1.2.3_x5.0_linux_amd64', src, '1.2.4', 'linux_amd64'),
    ).toBe(false);
    expect(
      isInstalledPluginFile('packer-plugin-proxmox_v1.2.4_x5.0_darwin_arm64', src, '1.2.4', 'linux_amd64'),
    ).toBe(false);
  });
});

describe('pythonSupported', () => {
  it('accepts the controller Pythons of ansible-core 2.19 (3.11–3.13)', () => {
    expect([
      pythonSupported(3, 10),
      pythonSupported(3, 11),
      pythonSupported(3, 13),
      pythonSupported(3, 14),
    ]).toEqual([false, true, true, false]);
  });
});
