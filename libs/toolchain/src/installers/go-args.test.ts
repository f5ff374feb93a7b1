import { describe, expect, it } from 'vitest';
import { recipeById } from '../catalog';
import { goBuildEnv, goBuildFlags, goModEditArgs, moduleAt } from './go-args';

const goOf = (id: string) => {
  const recipe = recipeById(id);
  if (!recipe || !('go' in recipe)) throw new Error(`${id} is not a Go recipe`);
  return recipe.go;
};

describe('the talosctl recipe (flags of siderolabs/talos Makefile: GO_BUILDTAGS_TALOSCTL)', () => {
  const go = goOf('talosctl');

  it('builds ./cmd/talosctl with -tags grpcnotrace and -s -w', () => {
    expect(go.packages).toEqual([{ pkg: './cmd/talosctl', bin: 'talosctl' }]);
    expect(goBuildFlags(go, '1.13.9')).toEqual(['-trimpath', '-tags', 'grpcnotrace', '-ldflags', '-s -w']);
  });

  it('copies the nested pkg/machinery module where its replace points', () => {
    expect(go.nestedModules).toEqual([
      { module: 'github.com/siderolabs/talos/pkg/machinery', dir: 'pkg/machinery' },
    ]);
  });

  it('drops the containerd fork and pins go-kubernetes and etcdutl to versions the proxy serves', () => {
    expect(goModEditArgs(go.modEdits)).toEqual([
      'mod',
      'edit',
      '-dropreplace=github.com/containerd/containerd/v2',
      '-replace=github.com/siderolabs/go-kubernetes=github.com/siderolabs/go-kubernetes@v0.2.39',
      '-replace=go.etcd.io/etcd/etcdutl/v3=go.etcd.io/etcd/etcdutl/v3@v3.6.10',
    ]);
    expect(go.modEdits?.tidy).toBeUndefined();
  });
});

describe('archive recipes', () => {
  it('the Talos provider: image-factory v1.2.0 replace, then go mod tidy', () => {
    const go = goOf('siderolabs/talos');
    expect(go.method).toBe('archive');
    expect(go.archive?.('0.11.0')).toBe('terraform-provider-talos-v0.11.0.tar.gz');
    expect(goModEditArgs(go.modEdits)).toEqual([
      'mod',
      'edit',
      '-replace=github.com/siderolabs/image-factory=github.com/siderolabs/image-factory@v1.2.0',
    ]);
    expect(go.modEdits?.tidy).toBe(true);
  });

  it('the Packer plugins build their archive unchanged', () => {
    expect(goOf('packer-plugin-proxmox').archive?.('1.2.4')).toBe('packer-plugin-proxmox-v1.2.4.tar.gz');
    expect(goOf('packer-plugin-ansible').archive?.('1.1.6')).toBe('packer-plugin-ansible-v1.1.6.tar.gz');
    expect(goModEditArgs(goOf('packer-plugin-proxmox').modEdits)).toBeUndefined();
  });
});

describe('version stamps', () => {
  it('helm and kubeconform get the stamps their release builds set', () => {
    expect(goBuildFlags(goOf('helm'), '4.3.2')).toEqual([
      '-trimpath',
      '-ldflags',
      '-s -w -X helm.sh/helm/v4/internal/version.version=v4.3.2',
    ]);
    expect(goBuildFlags(goOf('kubeconform'), '0.8.0')).toContain('-s -w -X main.version=v0.8.0');
  });

  it('a recipe without flags builds with -trimpath only', () => {
    expect(goBuildFlags({ module: 'x', method: 'install', packages: [] }, '1.0.0')).toEqual(['-trimpath']);
  });
});

describe('goBuildEnv', () => {
  it('turns workspaces off and overrides GOFLAGS, keeping the caches the user chose', () => {
    const env = goBuildEnv({
      GOFLAGS: '-mod=vendor',
      GOWORK: '/home/u/go.work',
      GOMODCACHE: '/m',
      PATH: '/bin',
    });
    expect(env).toMatchObject({
      GOFLAGS: '-mod=mod -buildvcs=false',
      GOWORK: 'off',
      CGO_ENABLED: '0',
      GOMODCACHE: '/m',
      PATH: '/bin',
    });
  });

  it('spells module@version with one v', () => {
    expect(moduleAt('helm.sh/helm/v4', '4.3.2')).toBe('helm.sh/helm/v4@v4.3.2');
    expect(moduleAt('x', 'v1.0.0')).toBe('x@v1.0.0');
  });
});
