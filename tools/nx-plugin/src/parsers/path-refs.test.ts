// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these are HCL interpolations, not JS templates
import { describe, expect, it } from 'vitest';
import { type PathKind, pathCandidates, resolvePathReference } from './path-refs';

const TREE: Record<string, PathKind> = {
  'ansible/playbooks/debian.yml': 'file',
  'ansible/playbooks': 'dir',
  'packer/debian/cloud-init': 'dir',
  'packer/debian/cloud-init/user-data': 'file',
  'cloud-init/shared': 'dir',
  talos: 'dir',
  'terraform/modules/vm': 'dir',
};
const context = {
  fileDir: 'packer/debian',
  symbols: { 'local.repo': '${path.root}/../..', 'local.pb': '${local.repo}/ansible/playbooks' },
  stat: (path: string) => TREE[path],
};
const resolve = (raw: string) => resolvePathReference(raw, 7, context);

describe('resolvePathReference', () => {
  it('resolves path.root/path.module/path.cwd relative to the file', () => {
    expect(resolve('${path.root}/../../ansible/playbooks/debian.yml')).toEqual({
      path: 'ansible/playbooks/debian.yml',
      kind: 'file',
      line: 7,
    });
    expect(resolve('${path.module}/cloud-init')).toMatchObject({
      path: 'packer/debian/cloud-init',
      kind: 'dir',
    });
    expect(resolve('${ path.cwd }/cloud-init/user-data')).toMatchObject({
      path: 'packer/debian/cloud-init/user-data',
    });
  });

  it('expands locals transitively', () => {
    expect(resolve('${local.pb}/debian.yml')).toMatchObject({ path: 'ansible/playbooks/debian.yml' });
  });

  it('resolves ./ and ../ from the file directory, and plain paths with a slash from there or the root', () => {
    expect(resolve('./cloud-init/')).toMatchObject({ path: 'packer/debian/cloud-init', kind: 'dir' });
    expect(resolve('../../terraform/modules/vm')).toMatchObject({ path: 'terraform/modules/vm' });
    expect(resolve('cloud-init/user-data')).toMatchObject({ path: 'packer/debian/cloud-init/user-data' });
    expect(resolve('cloud-init/shared')).toMatchObject({ path: 'cloud-init/shared' });
  });

  it('keeps the directory part of a glob', () => {
    expect(resolve('${path.root}/cloud-init/*.yaml')).toMatchObject({
      path: 'packer/debian/cloud-init',
      kind: 'dir',
    });
  });

  it('rejects what is not a workspace path', () => {
    for (const raw of [
      'talos', // a bare word, even though a folder of that name exists
      '${var.unknown}/x',
      'https://example.com/ansible/playbooks/debian.yml',
      '/etc/ansible/playbooks',
      '${path.root}/../../../outside',
      '${path.root}/missing.yml',
      'local-lvm:vm-100-disk-0',
      '',
    ]) {
      expect(resolve(raw), raw).toBeUndefined();
    }
  });
});

describe('pathCandidates', () => {
  it('finds paths embedded in shell commands and KEY=value strings', () => {
    expect(
      pathCandidates(
        "ansible-playbook -i '${build.Host},' '${local.repo}/ansible/playbooks/debian.yml' --check",
      ),
    ).toEqual([
      "ansible-playbook -i '${build.Host},' '${local.repo}/ansible/playbooks/debian.yml' --check",
      '${local.repo}/ansible/playbooks/debian.yml',
    ]);
    expect(pathCandidates('ANSIBLE_CONFIG=${path.root}/ansible.cfg')).toEqual([
      'ANSIBLE_CONFIG=${path.root}/ansible.cfg',
      '${path.root}/ansible.cfg',
    ]);
  });

  it('does not repeat a literal that is itself one path', () => {
    expect(pathCandidates('${path.root}/x')).toEqual(['${path.root}/x']);
  });
});
