import { describe, expect, it } from 'vitest';
import { orderGoBuilds } from './install';
import { parseManifest } from './manifest';
import {
  debianUpstreamVersion,
  planTool,
  planTools,
  selectTools,
  type ToolFacts,
  versionMatches,
} from './plan';

const specs = parseManifest(`
[tools]
node = "24.21.0"
opentofu = "1.12.6"
"pipx:ansible-core" = "2.19.14"
[_.infra.providers]
"bpg/proxmox" = "0.111.1"
[_.infra.packer-plugins]
"github.com/hashicorp/proxmox" = { version = "1.2.4", sha256 = "303fbec4d3247019f15084800b8bba687605dfb70d362408666d9d06c7bbbbce" }
[_.infra.debian]
cloud-init = "22.4.2-1+deb12u4"
openssh-server = "system"
`);
const spec = (id: string) => specs.find((s) => s.id === id)!;

describe('planTool', () => {
  it('uses a binary already on PATH at the pinned version', () => {
    const d = planTool(spec('opentofu'), {
      onPath: { path: '/usr/local/bin/tofu', version: '1.12.6' },
      cached: true,
    });
    expect(d.action).toBe('path');
    expect(d.pathBinary).toBe('/usr/local/bin/tofu');
  });

  it('ignores a PATH binary at another version, says so, and uses the cache', () => {
    const d = planTool(spec('opentofu'), {
      onPath: { path: '/usr/bin/tofu', version: '1.9.0' },
      cached: true,
    });
    expect(d.action).toBe('cache');
    expect(d.reason).toContain('/usr/bin/tofu is 1.9.0, not 1.12.6');
  });

  it('builds when the PATH binary reports no version and nothing is cached', () => {
    const d = planTool(spec('opentofu'), {
      onPath: { path: '/usr/bin/tofu', version: undefined },
      cached: false,
    });
    expect(d.action).toBe('build');
    expect(d.reason).toContain('go build from the Go module proxy');
    expect(d.reason).toContain('an unknown version');
  });

  it('builds what is neither on PATH nor cached, with the way it will be obtained', () => {
    expect(planTool(spec('opentofu'), { cached: false })).toMatchObject({ action: 'build' });
    expect(planTool(spec('ansible-core'), { cached: false }).reason).toBe('pip install from PyPI');
    expect(planTool(spec('cloud-init'), { cached: false }).reason).toBe('apt-get download + dpkg-deb -x');
  });

  it('rebuilds a cached tool with force, but still prefers a matching PATH binary', () => {
    expect(planTool(spec('opentofu'), { cached: true }, { force: true })).toMatchObject({
      action: 'build',
      reason: 'forced: go build from the Go module proxy',
    });
    const onPath: ToolFacts = { onPath: { path: '/opt/tofu', version: '1.12.6' }, cached: true };
    expect(planTool(spec('opentofu'), onPath, { force: true }).action).toBe('path');
  });

  it('never takes providers or packer plugins from PATH', () => {
    const facts: ToolFacts = { onPath: { path: '/usr/bin/x', version: '0.111.1' }, cached: false };
    expect(planTool(spec('bpg/proxmox'), facts).action).toBe('build');
    expect(planTool(spec('packer-plugin-proxmox'), { ...facts, cached: true }).action).toBe('cache');
  });

  it('builds archive tools from the archive, or leaves them to the registry with INFRA_SOURCE_ARCHIVES=registry', () => {
    expect(planTool(spec('packer-plugin-proxmox'), { cached: false })).toMatchObject({
      action: 'build',
      reason: 'go build from a source archive',
    });
    expect(
      planTool(spec('packer-plugin-proxmox'), { cached: false }, { archivesFromRegistry: true }),
    ).toMatchObject({
      action: 'registry',
      reason: 'INFRA_SOURCE_ARCHIVES=registry: packer init downloads it',
    });
    // A build already in the cache is used either way; proxy builds are not affected.
    expect(
      planTool(spec('packer-plugin-proxmox'), { cached: true }, { archivesFromRegistry: true }).action,
    ).toBe('cache');
    expect(planTool(spec('bpg/proxmox'), { cached: false }, { archivesFromRegistry: true }).action).toBe(
      'build',
    );
  });

  it('accepts any version of a "system" Debian package that is present, else installs it with apt', () => {
    expect(
      planTool(spec('openssh-server'), {
        onPath: { path: '/usr/sbin/sshd', version: undefined },
        cached: false,
      }),
    ).toMatchObject({ action: 'path', pathBinary: '/usr/sbin/sshd' });
    expect(planTool(spec('openssh-server'), { cached: false })).toMatchObject({
      action: 'build',
      reason: 'sshd not found: apt-get install openssh-server',
    });
  });

  it('matches a Debian pin against the upstream version the tool prints', () => {
    const d = planTool(spec('cloud-init'), {
      onPath: { path: '/usr/bin/cloud-init', version: '22.4.2' },
      cached: false,
    });
    expect(d.action).toBe('path');
    expect(
      planTool(spec('cloud-init'), {
        onPath: { path: '/usr/bin/cloud-init', version: '23.1' },
        cached: false,
      }).action,
    ).toBe('build');
  });

  it('leaves node to tools/bootstrap.sh', () => {
    expect(planTool(spec('node'), { cached: false })).toMatchObject({ action: 'bootstrap' });
  });

  it('plans every spec, treating missing facts as "nothing found"', () => {
    const decisions = planTools(specs, new Map([['opentofu', { cached: true }]]));
    expect(decisions.map((d) => [d.spec.id, d.action])).toEqual([
      ['node', 'bootstrap'],
      ['opentofu', 'cache'],
      ['ansible-core', 'build'],
      ['bpg/proxmox', 'build'],
      ['packer-plugin-proxmox', 'build'],
      ['cloud-init', 'build'],
      ['openssh-server', 'build'],
    ]);
  });
});

describe('versions', () => {
  it('strips epoch and Debian revision', () => {
    expect(debianUpstreamVersion('22.4.2-1+deb12u4')).toBe('22.4.2');
    expect(debianUpstreamVersion('1:9.2p1-2+deb12u10')).toBe('9.2p1');
    expect(debianUpstreamVersion('1.0')).toBe('1.0');
  });

  it('compares exactly, tolerating a leading v', () => {
    const tofu = spec('opentofu').recipe;
    expect(versionMatches(tofu, '1.12.6', 'v1.12.6')).toBe(true);
    expect(versionMatches(tofu, '1.12.6', '1.12.6-dev')).toBe(false);
    expect(versionMatches(tofu, '1.12.6', undefined)).toBe(false);
  });
});

describe('selectTools', () => {
  it('selects by id, mise key or command name, and adds packer for its plugin', () => {
    const withPacker = parseManifest(`
[tools]
packer = "1.16.0"
opentofu = "1.12.6"
[_.infra.packer-plugins]
"github.com/hashicorp/proxmox" = { version = "1.2.4", sha256 = "303fbec4d3247019f15084800b8bba687605dfb70d362408666d9d06c7bbbbce" }
`);
    expect(selectTools(withPacker, ['tofu']).selected.map((s) => s.id)).toEqual(['opentofu']);
    expect(selectTools(withPacker, ['github.com/hashicorp/proxmox']).selected.map((s) => s.id)).toEqual([
      'packer',
      'packer-plugin-proxmox',
    ]);
    expect(selectTools(withPacker, ['terraform', 'opentofu'])).toMatchObject({ unknown: ['terraform'] });
    // An id wins over another tool's command of the same name (ansible-core ships an `ansible` command).
    const ansible = parseManifest('[tools]\n"pipx:ansible-core" = "2.19.14"\n"pipx:ansible" = "12.3.0"\n');
    expect(selectTools(ansible, ['ansible']).selected.map((s) => s.id)).toEqual(['ansible']);
    expect(selectTools(ansible, ['ansible-playbook']).selected.map((s) => s.id)).toEqual(['ansible-core']);
    expect(selectTools(withPacker, []).selected).toHaveLength(3);
  });
});

describe('orderGoBuilds', () => {
  it('starts packer first (the plugins wait for it), then the longest builds', () => {
    const all = parseManifest(`
[tools]
packer = "1.16.0"
sops = "3.13.2"
talosctl = "1.13.9"
kubeconform = "0.8.0"
[_.infra.packer-plugins]
"github.com/hashicorp/ansible" = { version = "1.1.6", sha256 = "${'0'.repeat(64)}" }
"github.com/hashicorp/proxmox" = { version = "1.2.4", sha256 = "${'1'.repeat(64)}" }
`);
    const decisions = planTools(all, new Map());
    expect(orderGoBuilds(decisions).map((d) => d.spec.id)).toEqual([
      'packer',
      'talosctl',
      'packer-plugin-proxmox',
      'kubeconform',
      'sops',
      'packer-plugin-ansible',
    ]);
  });
});
