import { describe, expect, it } from 'vitest';
import { parseManifest } from './manifest';
import { originOf } from './origin';

const specs = parseManifest(`
[tools]
helm = "4.3.2"
"pipx:checkov" = "3.3.30"
[_.infra.packer-plugins]
"github.com/hashicorp/proxmox" = { version = "1.2.4", sha256 = "${'0'.repeat(64)}" }
[_.infra.debian]
cloud-init = "22.4.2-1+deb12u4"
podman = "system"
`);
const spec = (id: string) => specs.find((s) => s.id === id)!;

describe('originOf', () => {
  it('uses what the marker recorded', () => {
    const marker = {
      id: 'packer-plugin-proxmox',
      version: '1.2.4',
      method: 'go build',
      origin: 'source archive /s/packer-plugin-proxmox-v1.2.4.tar.gz (sha256 00, verified)',
      obtainedAt: '2026-12-03T06:00:00Z',
      durationMs: 1,
      bins: {},
    };
    expect(originOf(spec('packer-plugin-proxmox'), 'go build', marker)).toBe(marker.origin);
  });

  it('derives it from the method for markers written before origins were recorded', () => {
    expect(originOf(spec('helm'), 'go install')).toBe('Go module proxy (helm.sh/helm/v4@v4.3.2)');
    expect(originOf(spec('checkov'), 'pip')).toBe('PyPI');
    expect(originOf(spec('cloud-init'), 'apt-get download')).toBe('Debian (cloud-init=22.4.2-1+deb12u4)');
    expect(originOf(spec('podman'), 'system')).toBe('Debian (podman, already installed)');
    expect(originOf(spec('podman'), 'apt-get install')).toBe('Debian (apt-get install podman)');
    expect(originOf(spec('packer-plugin-proxmox'), 'registry')).toBe('registry (packer init downloads it)');
  });
});
