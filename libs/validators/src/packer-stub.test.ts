import { describe, expect, it } from 'vitest';
import { stubPluginSources } from './packer-stub';

const template = [
  'packer {',
  '  required_plugins {',
  '    proxmox = {',
  '      source  = "github.com/hashicorp/proxmox"',
  '      version = "= 1.2.4"',
  '    }',
  '    ansible = {',
  '      source  = "github.com/hashicorp/ansible"',
  '      version = ">= 1.1.0"',
  '    }',
  '  }',
  '}',
  '',
  'source "proxmox-clone" "debian" {',
  '  node = var.node',
  '  cores = 2',
  '}',
  '',
  'source "qemu" "local" {',
  '  cpus = 2',
  '}',
  '',
  'build {',
  '  sources = ["source.proxmox-clone.debian", "source.qemu.local"]',
  '}',
  '',
].join('\n');

describe('stubPluginSources', () => {
  it("swaps the missing plugin's sources for null sources and keeps every line number", () => {
    const { text, stubbed } = stubPluginSources(template, 'github.com/hashicorp/proxmox');
    expect(stubbed).toEqual(['proxmox-clone.debian']);
    const lines = text.split('\n');
    expect(lines).toHaveLength(template.split('\n').length);
    expect(lines.slice(2, 6)).toEqual(['', '', '', '']);
    expect(lines[6]).toBe('    ansible = {');
    expect(lines.slice(13, 17)).toEqual([
      'source "null" "proxmox-clone_debian" {',
      '  communicator = "none"',
      '',
      '}',
    ]);
    expect(lines[18]).toBe('source "qemu" "local" {');
    expect(lines[23]).toBe('  sources = ["source.null.proxmox-clone_debian", "source.qemu.local"]');
  });

  it('leaves a template without that plugin untouched', () => {
    expect(stubPluginSources(template, 'github.com/hashicorp/vsphere')).toEqual({
      text: template,
      stubbed: [],
    });
  });
});
