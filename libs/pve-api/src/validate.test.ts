import { describe, expect, it } from 'vitest';
import { validateRequest } from './validate';

const NOT_DEFINED = 'property is not defined in schema and the schema does not allow additional properties';

describe('validateRequest', () => {
  it('accepts the golden-template create request, form-encoded or as JSON', () => {
    const form = {
      vmid: '9000',
      name: 'talos-golden',
      memory: '8192',
      cores: '4',
      cpu: 'host',
      machine: 'q35',
      bios: 'ovmf',
      scsihw: 'virtio-scsi-single',
      scsi0: 'local-lvm:0,import-from=local:import/talos.qcow2,iothread=1,discard=on',
      efidisk0: 'local-lvm:1,efitype=4m,pre-enrolled-keys=0',
      ide2: 'local-lvm:cloudinit',
      net0: 'virtio,bridge=vmbr0,firewall=1',
      serial0: 'socket',
      vga: 'serial0',
      agent: 'enabled=1,fstrim_cloned_disks=1',
      ipconfig0: 'ip=dhcp',
      sshkeys: encodeURIComponent('ssh-ed25519 AAAAC3Nza user@host'),
      hostpci0: 'mapping=rtx4000ada,pcie=1',
      tags: 'talos;golden',
      template: '0',
    };
    expect(validateRequest('POST', '/api2/json/nodes/pve/qemu', form)).toBeNull();
    expect(validateRequest('POST', '/nodes/pve/qemu', { ...form, vmid: 9000, template: false })).toBeNull();
  });

  it('reports unknown, missing and mistyped parameters with Proxmox texts', () => {
    expect(
      validateRequest('POST', '/nodes/pve/qemu', { cores: 'four', frobnicate: 1, scsi31: 'local:1' }),
    ).toEqual({
      vmid: 'property is missing and it is not optional',
      cores: "type check ('integer') failed - got 'four'",
      frobnicate: NOT_DEFINED,
      scsi31: NOT_DEFINED,
    });
    expect(validateRequest('POST', '/nodes/pve/qemu', { vmid: 100, onboot: 'true' })).toEqual({
      onboot: "type check ('boolean') failed - got 'true'",
    });
  });

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])(
    'a parameter named "%s" is not defined (own-property lookups, not Object.prototype)',
    (name) => {
      const params = JSON.parse(`{"vmid": 100, ${JSON.stringify(name)}: "1"}`) as Record<string, unknown>;
      expect(validateRequest('POST', '/nodes/pve/qemu', params)).toEqual({ [name]: NOT_DEFINED });
    },
  );

  it('a property-string key named "constructor" is invalid', () => {
    expect(validateRequest('POST', '/nodes/pve/qemu', { vmid: 100, net0: 'virtio,constructor=1' })).toEqual({
      net0: 'invalid format - invalid key in comma-separated list property: constructor',
    });
  });

  it('checks ranges, enums, patterns, lengths and named formats', () => {
    expect(validateRequest('POST', '/nodes/pve/qemu', { vmid: 100, cores: 0 })).toEqual({
      cores: 'value must have a minimum value of 1',
    });
    expect(validateRequest('POST', '/nodes/pve/qemu', { vmid: 100, bios: 'uefi' })).toEqual({
      bios: "value 'uefi' does not have a value in the enumeration 'seabios, ovmf'",
    });
    expect(validateRequest('POST', '/nodes/pve/qemu', { vmid: 100, serial0: 'tcp' })).toEqual({
      serial0: 'value does not match the regex pattern',
    });
    expect(
      validateRequest('POST', '/nodes/pve/storage/local/download-url', {
        url: 'https://x/y.qcow2',
        content: 'import',
        filename: 'x'.repeat(256),
      }),
    ).toEqual({ filename: 'value may only be 255 characters long' });
    expect(validateRequest('GET', '/nodes/pve/qemu/99/config', {})).toEqual({
      vmid: 'invalid format - value does not look like a valid VM ID',
    });
    expect(validateRequest('GET', '/nodes/bad_node!/qemu', {})).toEqual({
      node: 'invalid format - value does not look like a valid node name',
    });
    expect(validateRequest('GET', '/nodes/pve/storage/9bad/status', {})).toEqual({
      storage: "invalid format - storage ID '9bad' contains illegal characters",
    });
    expect(
      validateRequest('POST', '/cluster/mapping/pci', {
        id: '1gpu',
        map: 'node=pve,path=0000:01:00.0,id=10de:27b2',
      }),
    ).toEqual({
      id: "invalid format - invalid configuration ID '1gpu'",
    });
  });

  it('checks inside property strings, including typetext-derived ones', () => {
    expect(
      validateRequest('POST', '/nodes/pve/qemu', { vmid: 100, scsi0: 'local-lvm:0,iothread=yes' }),
    ).toEqual({
      scsi0: "invalid format - format error\nscsi0.iothread: type check ('boolean') failed - got 'yes'",
    });
    expect(
      validateRequest('POST', '/nodes/pve/qemu', { vmid: 100, net0: 'virtio,bridge=vmbr0,speed=10' }),
    ).toEqual({
      net0: 'invalid format - invalid key in comma-separated list property: speed',
    });
    expect(
      validateRequest('POST', '/nodes/pve/qemu', { vmid: 100, hostpci0: 'mapping=gpu,vendor-id=10de' }),
    ).toEqual({
      hostpci0: 'invalid format - format error\nhostpci0.vendor-id: value does not match the regex pattern',
    });
    expect(validateRequest('POST', '/nodes/pve/qemu', { vmid: 100, ipconfig0: 'ip=10.0.0.300/24' })).toEqual({
      ipconfig0: 'invalid format - format error\nipconfig0.ip: invalid format - invalid IPv4 address/CIDR',
    });
    expect(validateRequest('POST', '/nodes/pve/qemu', { vmid: 100, sshkeys: 'ssh-ed25519 AAAA' })).toEqual({
      sshkeys: 'invalid format - invalid urlencoded string: ssh-ed25519 AAAA',
    });
  });

  it('validates every entry of array parameters (repeated form keys)', () => {
    const good = 'node=pve,path=0000:01:00.0,id=10de:27b2,iommugroup=12,subsystem-id=10de:16fa';
    expect(
      validateRequest('POST', '/cluster/mapping/pci', {
        id: 'gpu',
        map: [good, good.replace('pve', 'pve2')],
      }),
    ).toBeNull();
    expect(
      validateRequest('POST', '/cluster/mapping/pci', {
        id: 'gpu',
        map: [good, 'node=pve,path=01:00.0,id=0x10de:27b2'],
      }),
    ).toEqual({
      map: 'invalid format - format error\nmap.id: value does not match the regex pattern\nmap.path: value does not match the regex pattern',
    });
  });

  it('enforces `requires` pairs and path/body conflicts', () => {
    expect(
      validateRequest('POST', '/nodes/pve/storage/local/download-url', {
        url: 'https://x/y.qcow2',
        content: 'import',
        filename: 'y.qcow2',
        checksum: 'abc',
      }),
    ).toEqual({ 'checksum-algorithm': "missing property - 'checksum' requires this property" });
    expect(validateRequest('PUT', '/nodes/pve/qemu/100/config', { vmid: 101, cores: 2 })).toEqual({
      vmid: 'duplicate parameter (already defined in URI) with conflicting values!',
    });
  });

  it('names unknown endpoints the way the 501 reply does', () => {
    expect(validateRequest('GET', '/nodes/pve/frobnicate', {})).toEqual({
      '@endpoint': "Method 'GET /nodes/pve/frobnicate' not implemented",
    });
    expect(validateRequest('PATCH', '/version', {})).not.toBeNull();
  });
});
