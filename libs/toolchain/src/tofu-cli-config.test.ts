import { describe, expect, it } from 'vitest';
import { renderTofuCliConfig } from './tofu-cli-config';

describe('renderTofuCliConfig', () => {
  it('serves each built provider from its mirror and excludes exactly those from direct', () => {
    const text = renderTofuCliConfig(
      [
        {
          address: 'siderolabs/talos',
          version: '0.11.0',
          mirrorRoot: '/cache/tools/terraform-provider-talos/0.11.0/mirror',
        },
        {
          address: 'bpg/proxmox',
          version: '0.111.1',
          mirrorRoot: '/cache/tools/terraform-provider-proxmox/0.111.1/mirror',
        },
      ],
      '/repo/mise.toml',
    );
    expect(text).toContain('from /repo/mise.toml');
    expect(text).toContain('disable_checkpoint = true');
    // Sorted by address, one filesystem_mirror block per provider.
    const bpg = text.indexOf('path    = "/cache/tools/terraform-provider-proxmox/0.111.1/mirror"');
    const talos = text.indexOf('path    = "/cache/tools/terraform-provider-talos/0.11.0/mirror"');
    expect(bpg).toBeGreaterThan(0);
    expect(talos).toBeGreaterThan(bpg);
    expect(text).toContain('include = ["registry.opentofu.org/bpg/proxmox"]');
    expect(text).toContain('include = ["registry.opentofu.org/siderolabs/talos"]');
    expect(text).toContain(
      'exclude = ["registry.opentofu.org/bpg/proxmox", "registry.opentofu.org/siderolabs/talos"]',
    );
    expect(text.match(/filesystem_mirror \{/g)).toHaveLength(2);
  });

  it('leaves every provider to the registry when none is built', () => {
    const text = renderTofuCliConfig([], 'mise.toml');
    expect(text).toContain('  direct {}');
    expect(text).not.toContain('filesystem_mirror');
  });

  it('escapes paths for HCL (quotes, backslashes, template sequences)', () => {
    const text = renderTofuCliConfig(
      [{ address: 'bpg/proxmox', version: '1.0.0', mirrorRoot: `/a "b"\\c/\${x}/%{y}` }],
      'm',
    );
    expect(text).toContain('path    = "/a \\"b\\"\\\\c/$${x}/%%{y}"');
  });
});
