import { describe, expect, it } from 'vitest';
import { renderImportedVm } from './generate';
import { hclString, hclValue, resourceLabel } from './hcl';
import { changesBeyondImport, resourceChanges } from './plan-json';
import type { BlockSchema } from './schema';
import { resourceBlock } from './schema';
import { selectImports } from './select';

// A cut-down resource schema in the shape `tofu providers schema -json` prints.
const schema: BlockSchema = {
  attributes: {
    id: { computed: true },
    name: { optional: true },
    node_name: { required: true },
    vm_id: { optional: true, computed: true },
    tags: { optional: true },
    description: { optional: true },
    bios: { optional: true },
    started: { optional: true },
    on_boot: { optional: true },
    mac_addresses: { computed: true },
    pool_id: { optional: true },
    // bpg declares it `ConfigMode: attr`: the schema shows an optional + computed list attribute.
    network_device: { optional: true, computed: true },
  },
  block_types: {
    cpu: {
      nesting_mode: 'list',
      block: { attributes: { cores: { optional: true }, type: { optional: true } } },
    },
    serial_device: { nesting_mode: 'list', block: { attributes: { device: { optional: true } } } },
    initialization: {
      nesting_mode: 'list',
      block: {
        attributes: { datastore_id: { optional: true } },
        block_types: {
          user_account: {
            nesting_mode: 'list',
            block: {
              attributes: { username: { optional: true }, password: { optional: true, sensitive: true } },
            },
          },
        },
      },
    },
  },
};
const defaults = {
  bios: 'seabios',
  started: true,
  on_boot: true,
  cpu: [{ cores: 1, type: 'qemu64' }],
  network_device: [{ bridge: 'vmbr0', model: 'virtio', vlan_id: 0 }],
};

describe('renderImportedVm', () => {
  it('keeps what differs from the defaults and what identifies a disk or NIC, in the module order', () => {
    const out = renderImportedVm({
      label: 'web_1',
      importId: 'pve/120',
      header: ['Generated for a test'],
      schema,
      defaults,
      values: {
        id: '120',
        name: 'web-1',
        node_name: 'pve',
        vm_id: 120,
        tags: ['a', 'b'],
        description: '',
        bios: 'ovmf',
        started: true,
        on_boot: false,
        mac_addresses: ['BC:24:11:00:00:01'],
        pool_id: null,
        cpu: [{ cores: 4, type: 'qemu64' }],
        network_device: [
          { bridge: 'vmbr0', model: 'virtio', mac_address: 'BC:24:11:00:00:01', vlan_id: 0 },
          { bridge: 'vmbr1', model: 'e1000', mac_address: 'BC:24:11:00:00:02', vlan_id: 30 },
        ],
        serial_device: [{ device: 'socket' }],
        initialization: [
          { datastore_id: 'local-lvm', user_account: [{ username: 'ops', password: '**********' }] },
        ],
      },
    });
    expect(out.text).toBe(
      [
        '# Generated for a test',
        'import {',
        '  to = proxmox_virtual_environment_vm.web_1',
        '  id = "pve/120"',
        '}',
        '',
        'resource "proxmox_virtual_environment_vm" "web_1" {',
        '  name = "web-1"',
        '  tags = ["a", "b"]',
        '  node_name = "pve"',
        '  vm_id = 120',
        '  bios = "ovmf"',
        '  on_boot = false',
        '',
        '  cpu {',
        '    cores = 4',
        '  }',
        '',
        '  network_device {',
        '    bridge = "vmbr0"',
        '    mac_address = "BC:24:11:00:00:01"',
        '    model = "virtio"',
        '  }',
        '',
        '  network_device {',
        '    bridge = "vmbr1"',
        '    mac_address = "BC:24:11:00:00:02"',
        '    model = "e1000"',
        '    vlan_id = 30',
        '  }',
        '',
        '  serial_device {',
        '    device = "socket"',
        '  }',
        '',
        '  initialization {',
        '    datastore_id = "local-lvm"',
        '',
        '    user_account {',
        '      username = "ops"',
        '    }',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    expect(out.omittedSensitive).toEqual(['initialization[0].user_account[0].password']);
  });

  it('leaves out a block equal to the default block, keeps an empty one otherwise', () => {
    const out = renderImportedVm({
      label: 'x',
      importId: 'pve/121',
      header: [],
      schema,
      defaults,
      values: {
        name: 'x',
        node_name: 'pve',
        vm_id: 121,
        cpu: [{ cores: 1, type: 'qemu64' }],
        serial_device: [{}],
      },
    });
    expect(out.text).not.toContain('cpu');
    expect(out.text).toContain('  serial_device {}\n');
  });
});

describe('hcl', () => {
  it('escapes so nothing interpolates', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal `${` is what is being escaped
    expect(hclString('a "b" ${c} %{d}\n\\')).toBe('"a \\"b\\" $${c} %%{d}\\n\\\\"');
    expect(hclValue({ 'x-y': 1, a: [true, 'z'] })).toBe('{ a = [true, "z"], x-y = 1 }');
  });

  it('labels: lowercase identifiers, never starting with a digit', () => {
    expect(resourceLabel('Web-01.lan', 120)).toBe('web_01_lan');
    expect(resourceLabel('9lives', 121)).toBe('vm_9lives');
    expect(resourceLabel('', 122)).toBe('vm_122');
  });
});

describe('selectImports', () => {
  const cluster = [
    { vmid: 100, name: 'hand', node: 'pve', tags: [], template: false },
    { vmid: 101, name: 'ours', node: 'pve', tags: ['infra'], template: false },
    { vmid: 102, name: 'imported', node: 'pve', tags: [], template: false },
    { vmid: 9000, name: 'tpl', node: 'pve', tags: [], template: true },
  ];
  const context = { environment: 'prod', stateLabel: 'the tofu state of terraform/environments/prod' };

  it('without --vm: every unmanaged VM, templates excepted', () => {
    expect(selectImports(cluster, new Set([102]), [], context).map((v) => v.vmid)).toEqual([100]);
  });

  it('refuses managed and unknown VMIDs with one error naming them', () => {
    expect(() => selectImports(cluster, new Set([102]), [101, 102], context)).toThrow(
      expect.objectContaining({
        code: 'IMPORT_MANAGED_VM',
        message:
          '--vm 101, 102: already managed by this project (101 carries the infra tag; 102 is in the tofu state of terraform/environments/prod)',
      }),
    );
    expect(() => selectImports(cluster, new Set(), [100, 4242], context)).toThrow(
      expect.objectContaining({ code: 'IMPORT_UNKNOWN_VM' }),
    );
    // Nothing unmanaged: nothing to do, not an error.
    expect(selectImports(cluster.slice(1, 2), new Set(), [], context)).toEqual([]);
  });
});

describe('plan JSON', () => {
  it('an import with no-op is clean; an update names the attributes', () => {
    const changes = resourceChanges({
      format_version: '1.2',
      resource_changes: [
        {
          address: 'proxmox_virtual_environment_vm.a',
          type: 'proxmox_virtual_environment_vm',
          change: { actions: ['no-op'], before: { x: 1 }, after: { x: 1 }, importing: { id: 'pve/1' } },
        },
        {
          address: 'proxmox_virtual_environment_vm.b',
          type: 'proxmox_virtual_environment_vm',
          change: {
            actions: ['update'],
            before: { x: 1, y: 2 },
            after: { x: 1, y: 3 },
            importing: { id: 'pve/2' },
          },
        },
      ],
    });
    expect(changesBeyondImport(changes)).toEqual(['proxmox_virtual_environment_vm.b: update (y)']);
  });

  it('finds a resource block in providers schema output', () => {
    const doc = {
      format_version: '1.0',
      provider_schemas: {
        'registry.opentofu.org/bpg/proxmox': {
          resource_schemas: { proxmox_virtual_environment_vm: { block: schema } },
        },
      },
    };
    expect(resourceBlock(doc, 'proxmox_virtual_environment_vm')?.attributes?.name).toEqual({
      optional: true,
    });
    expect(resourceBlock(doc, 'nope')).toBeUndefined();
  });
});

describe('what no configuration can state', () => {
  it('a VM without ostype: operating_system is left to the VM (ignore_changes), with the reason', () => {
    const osSchema: BlockSchema = {
      ...schema,
      block_types: {
        ...schema.block_types,
        operating_system: { nesting_mode: 'list', block: { attributes: { type: { optional: true } } } },
      },
    };
    const out = renderImportedVm({
      label: 'x',
      importId: 'pve/123',
      header: [],
      schema: osSchema,
      defaults: { ...defaults, operating_system: [{ type: 'other' }] },
      values: { name: 'x', node_name: 'pve', vm_id: 123, operating_system: [{ type: '' }] },
    });
    expect(out.text).not.toContain('operating_system {');
    expect(out.text).toContain('    ignore_changes = [operating_system]\n  }\n}\n');
    expect(out.text).toContain('# operating_system: the VM has no ostype');
  });
});
