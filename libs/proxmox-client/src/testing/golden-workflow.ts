import { encodePropertyString } from '@infra/pve-api';
import type { ProxmoxClient } from '../client';

/**
 * The golden-template flow the project runs against Proxmox, written once and run by the integration tests
 * with and without injected faults: import a cloud image, create a VM from it, template it, clone it, map the
 * GPU and attach it by mapping, boot the clone and read its addresses from the guest agent.
 */
export interface WorkflowResult {
  volid: string;
  templateConfig: Record<string, unknown>;
  cloneConfig: Record<string, unknown>;
  mappingMap: readonly string[];
  agentAddresses: string[];
}

export async function runGoldenWorkflow(
  client: ProxmoxClient,
  options: { node: string; imageUrl: string; sha256: string; templateId: number; cloneId: number },
): Promise<WorkflowResult> {
  const { node, templateId, cloneId } = options;
  const storage = await client.storageConfig('local');
  const content = String(storage.content ?? '');
  if (!content.split(',').includes('import'))
    await client.updateStorage('local', { content: `${content},import` });

  const download = await client.downloadUrl(node, 'local', {
    url: options.imageUrl,
    content: 'import',
    filename: 'talos-v1.13.9-nocloud-amd64.qcow2',
    checksum: options.sha256,
    'checksum-algorithm': 'sha256',
  });

  await client.createVm(node, {
    vmid: templateId,
    name: 'talos-golden',
    memory: '4096',
    cores: 2,
    cpu: 'host',
    machine: 'q35',
    bios: 'ovmf',
    ostype: 'l26',
    scsihw: 'virtio-scsi-single',
    scsi0: encodePropertyString('scsi', {
      file: 'local-lvm:0',
      'import-from': download.volid,
      iothread: true,
      discard: 'on',
    }),
    efidisk0: encodePropertyString('efidisk', {
      file: 'local-lvm:1',
      efitype: '4m',
      'pre-enrolled-keys': false,
    }),
    ide2: 'local-lvm:cloudinit',
    net0: encodePropertyString('net', { model: 'virtio', bridge: 'vmbr0' }),
    serial0: 'socket',
    vga: 'serial0',
    agent: encodePropertyString('agent', { enabled: true }),
    ipconfig0: 'ip=dhcp',
    sshkeys: encodeURIComponent('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGolden test@infra'),
    tags: 'talos;golden',
  });
  await client.convertToTemplate(node, templateId);
  const templateConfig = await client.vmConfig(node, templateId);

  await client.cloneVm(node, templateId, { newid: cloneId, name: 'talos-cp-1', full: true });

  const gpu = (await client.listHostPci(node)).find(
    (d) => d.vendor === '0x10de' && d.class.startsWith('0x03'),
  );
  if (!gpu) throw new Error('the simulator has no NVIDIA display device');
  const hex = (v: string | undefined) => (v ?? '').replace(/^0x/, '');
  const entry = encodePropertyString('map', {
    node,
    path: gpu.id,
    id: `${hex(gpu.vendor)}:${hex(gpu.device)}`,
    iommugroup: gpu.iommugroup,
    ...(gpu.subsystem_vendor && gpu.subsystem_device
      ? { 'subsystem-id': `${hex(gpu.subsystem_vendor)}:${hex(gpu.subsystem_device)}` }
      : {}),
  });
  await client.createPciMapping({ id: 'rtx4000ada', map: [entry], description: 'GPU for Talos workers' });
  const mapping = await client.pciMapping('rtx4000ada');

  const before = await client.vmConfig(node, cloneId);
  await client.updateVmConfig(node, cloneId, {
    hostpci0: encodePropertyString('pve-qm-hostpci', { mapping: 'rtx4000ada', pcie: true }),
    digest: before.digest,
  });
  await client.startVm(node, cloneId);
  let interfaces: Awaited<ReturnType<ProxmoxClient['agentNetworkInterfaces']>> = [];
  for (let i = 0; i < 100 && interfaces.length === 0; i += 1) {
    interfaces = await client.agentNetworkInterfaces(node, cloneId).catch(async () => {
      await new Promise((r) => setTimeout(r, 50));
      return [];
    });
  }
  const cloneConfig = await client.vmConfig(node, cloneId);
  await client.stopVm(node, cloneId);
  return {
    volid: download.volid,
    templateConfig,
    cloneConfig,
    mappingMap: mapping.map ?? [],
    agentAddresses: interfaces.flatMap((i) => (i['ip-addresses'] ?? []).map((a) => a['ip-address'])),
  };
}
