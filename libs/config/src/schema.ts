import { z } from 'zod';

/**
 * The resolved shape of one environment. Layers (the catalog and each environment entry) use the same schema;
 * a layer may leave out anything, and only the merged result must be complete (see resolve.ts).
 */

const PVE_NODE = /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/;
const PVE_STORAGE_ID = /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i;
const SHA256_FINGERPRINT = /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/i;
const HEX4 = /^[0-9a-f]{4}$/i;

export const OS_NAMES = ['debian', 'ubuntu', 'arch', 'nixos', 'windows'] as const;
export type OsName = (typeof OS_NAMES)[number];

const httpsUrl = z.string().refine((value) => {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}, 'expected an https:// URL, e.g. https://pve.lan:8006');

const endpoint = z.union([z.literal('embedded'), httpsUrl], {
  error: 'expected "embedded" (the built-in simulator) or an https:// URL, e.g. https://pve.lan:8006',
});

export const vmHardwareSchema = z.strictObject({
  cores: z.int().min(1).max(512).default(2),
  sockets: z.int().min(1).max(16).default(1),
  memoryMiB: z.int().min(256).default(4096),
  diskGiB: z.int().min(1).default(20),
  cpuType: z.string().min(1).default('host'),
  machine: z
    .string()
    .regex(/^(q35|pc)(-[\w.+]+)?$/, 'expected q35 or pc (optionally versioned)')
    .default('q35'),
  bios: z.enum(['ovmf', 'seabios']).default('ovmf'),
  scsiController: z
    .enum(['virtio-scsi-single', 'virtio-scsi-pci', 'lsi', 'megasas', 'pvscsi'])
    .default('virtio-scsi-single'),
  balloon: z.boolean().default(false),
});
export type VmHardware = z.infer<typeof vmHardwareSchema>;

export const proxmoxSchema = z.strictObject({
  endpoint,
  node: z.string().regex(PVE_NODE, 'expected a Proxmox node name like "pve"'),
  bridge: z.string().regex(/^[a-zA-Z][\w.-]*$/, 'expected a Linux bridge name like "vmbr0"'),
  storage: z.strictObject({
    images: z.string().regex(PVE_STORAGE_ID, 'expected a Proxmox storage id like "local"'),
    disks: z.string().regex(PVE_STORAGE_ID, 'expected a Proxmox storage id like "local-lvm"'),
  }),
  tls: z
    .strictObject({
      fingerprint: z
        .string()
        .regex(
          SHA256_FINGERPRINT,
          'expected the SHA-256 fingerprint as 32 colon-separated hex pairs (pvenode cert info)',
        )
        .optional(),
      caFile: z.string().min(1).optional(),
      insecure: z.boolean().optional(),
    })
    .default({}),
});

export const templatesSchema = z.strictObject({
  vmidRange: z
    .strictObject({
      start: z.int().min(100).max(999_999_999),
      end: z.int().min(100).max(999_999_999),
    })
    .refine((range) => range.start <= range.end, 'expected start <= end'),
});

export const talosSchema = z.strictObject({
  version: z.string().regex(/^v\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$/, 'expected a Talos version like "v1.13.9"'),
  /**
   * The cluster's Kubernetes version, pinned once: the cluster module's kubernetes_version, Helm's kube
   * version, the kubeconform schemas and the Talos compatibility check all read this field (there is no other).
   */
  kubernetesVersion: z
    .string({ error: 'expected the cluster\'s Kubernetes version, e.g. "1.36.3" (its one pin)' })
    .regex(/^\d+\.\d+\.\d+$/, 'expected a Kubernetes version like "1.36.3" (no leading v)'),
  platform: z.enum(['nocloud', 'metal', 'openstack', 'vmware', 'aws', 'gcp', 'azure']),
  arch: z.enum(['amd64', 'arm64']).default('amd64'),
  schematic: z.string().min(1),
  factory: endpoint,
  nvidia: z
    .strictObject({
      driver: z.enum(['open', 'proprietary']).default('open'),
      tier: z.enum(['production', 'lts']).default('production'),
    })
    .default({ driver: 'open', tier: 'production' }),
  patches: z.array(z.string().min(1)).default([]),
  hardware: vmHardwareSchema.default(vmHardwareSchema.parse({})),
});

const checksumSchema = z
  .string()
  .regex(/^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/i, 'expected "sha256:<64 hex>" or "sha512:<128 hex>"');

const sourceUrl = z.url({
  protocol: /^https?$/,
  error: 'expected an http(s) URL of the official image or ISO',
});

/** A file Proxmox downloads itself (download-url), checked against the pinned checksum. */
export const downloadSourceSchema = z.strictObject({ url: sourceUrl, checksum: checksumSchema });
export type DownloadSource = z.infer<typeof downloadSourceSchema>;

/**
 * Settings of the generated Windows answer file (`autounattend.xml`, libs/unattend). Only for `images.windows`.
 * The build account's password is never configured: each build makes a random one.
 */
export const unattendSchema = z.strictObject({
  /** The install.wim image to apply, by its name (`dism /Get-WimInfo` lists them). */
  imageName: z.string().min(1).default('Windows Server 2025 Standard Evaluation (Desktop Experience)'),
  locale: z
    .string()
    .regex(/^[a-z]{2,3}-[A-Z]{2}$/, 'expected a locale like "en-US"')
    .default('en-US'),
  keyboard: z
    .string()
    .regex(/^[0-9a-f]{4}:[0-9a-f]{8}$/i, 'expected an input locale like "0409:00000409"')
    .default('0409:00000409'),
  timeZone: z.string().min(1).default('UTC'),
  /** Which remote-management channel Packer uses during the build. */
  communicator: z.enum(['winrm', 'ssh']).default('winrm'),
  /** The VirtIO driver folder for this Windows release on the drivers ISO (e.g. 2k25). */
  driverRelease: z
    .string()
    .regex(/^[a-z0-9]+$/, 'expected a virtio-win folder name like "2k25"')
    .default('2k25'),
});
export type UnattendSettings = z.infer<typeof unattendSchema>;

/**
 * One golden image. `install: cloud-image` imports the distribution's disk image (qcow2); `install: iso` boots
 * an installer ISO (NixOS, Windows). `source.path` is a local copy the build uploads instead of downloading
 * `source.url` (the Windows evaluation ISO, which Microsoft hands out only after a form); it must match the
 * same checksum.
 */
export const imageSchema = z.strictObject({
  version: z.string().min(1),
  /** How the image is installed; absent means `cloud-image`. */
  install: z.enum(['cloud-image', 'iso']).optional(),
  source: z.strictObject({
    url: sourceUrl,
    checksum: checksumSchema,
    path: z.string().min(1).optional(),
  }),
  /** Extra install media (Windows: the VirtIO drivers ISO). */
  drivers: downloadSourceSchema.optional(),
  /** Windows: the cloudbase-init MSI the build installs (the guest downloads it and checks this checksum). */
  cloudbaseInit: downloadSourceSchema.optional(),
  unattend: unattendSchema.optional(),
  hardware: vmHardwareSchema.default(vmHardwareSchema.parse({})),
});
export type ImageSpec = z.infer<typeof imageSchema>;

const imagesSchema = z
  .record(z.string(), imageSchema)
  .superRefine((images, ctx) => {
    for (const os of Object.keys(images)) {
      if (!(OS_NAMES as readonly string[]).includes(os)) {
        ctx.addIssue({
          code: 'custom',
          path: [os],
          message: `unknown OS "${os}"; expected one of ${OS_NAMES.join(', ')}`,
        });
      }
    }
    const windows = images.windows;
    if (windows && windows.install !== 'iso') {
      ctx.addIssue({
        code: 'custom',
        path: ['windows', 'install'],
        message: 'expected "iso": Windows installs from the ISO',
      });
    }
    if (windows && !windows.drivers) {
      ctx.addIssue({
        code: 'custom',
        path: ['windows', 'drivers'],
        message:
          'expected the VirtIO drivers ISO ({url, checksum}): Windows setup needs it to see the VirtIO SCSI disk',
      });
    }
    if (windows && !windows.cloudbaseInit) {
      ctx.addIssue({
        code: 'custom',
        path: ['windows', 'cloudbaseInit'],
        message:
          'expected the cloudbase-init MSI ({url, checksum}): clones get their user, keys and network from it',
      });
    }
    for (const [os, image] of Object.entries(images)) {
      if (os !== 'windows' && (image.unattend || image.cloudbaseInit)) {
        ctx.addIssue({
          code: 'custom',
          path: [os, 'unattend'],
          message: 'unattend applies to images.windows only',
        });
      }
    }
  })
  .default({});

/** Which PCI device is the GPU (NVIDIA display controller by default); also what gpu-host-setup's planner takes. */
export const pciSelectorSchema = z
  .strictObject({
    vendor: z.string().regex(HEX4, 'expected a 4-digit PCI vendor id like "10de"').default('10de'),
    class: z
      .string()
      .regex(/^[0-9a-f]{2}([0-9a-f]{2})?$/i, 'expected a PCI class like "03" or "0300"')
      .default('03'),
    address: z
      .string()
      .regex(/^([0-9a-f]{4}:)?[0-9a-f]{2}:[0-9a-f]{2}(\.[0-7])?$/i, 'expected a PCI address like 0000:01:00')
      .optional(),
  })
  .default({ vendor: '10de', class: '03' });

export const gpuSchema = z.strictObject({
  selector: pciSelectorSchema,
  mapping: z.string().regex(/^[a-zA-Z][\w-]{0,63}$/, 'expected a mapping name like "rtx4000ada"'),
  iommuPassthrough: z.boolean().default(false),
  host: z
    .strictObject({
      ssh: z
        .string()
        .regex(/^([\w.-]+@)?[\w.-]+(:\d+)?$/, 'expected "user@host" or "user@host:port"')
        .optional(),
      identityFile: z.string().optional(),
      knownHostsFile: z.string().optional(),
    })
    .default({}),
});

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const IPV4 = /^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)$/;

/** One machine of the Talos cluster (terraform/modules/talos-cluster: var.nodes), keyed by hostname. */
export const clusterNodeSchema = z.strictObject({
  role: z.enum(['controlplane', 'worker']),
  /** Proxmox node that runs it; default proxmox.node. */
  node: z.string().regex(PVE_NODE, 'expected a Proxmox node name like "pve"').optional(),
  vmid: z.int().min(100).max(999_999_999),
  ip: z.string().regex(IPV4, 'expected an IPv4 address without prefix, like 192.168.1.21'),
  size: z.string().min(1).default('medium'),
  gpu: z.boolean().default(false),
});
export type ClusterNode = z.infer<typeof clusterNodeSchema>;

export const clusterSchema = z.strictObject({
  name: z.string().regex(DNS_LABEL, 'expected a DNS label like "homelab"'),
  endpoint: httpsUrl.optional(),
  network: z.strictObject({
    prefixLength: z.int().min(1).max(32),
    gateway: z.string().regex(IPV4, 'expected an IPv4 address like 192.168.1.1'),
    dnsServers: z.array(z.string().regex(IPV4, 'expected an IPv4 address')).default([]),
  }),
  nodes: z
    .record(z.string().regex(DNS_LABEL, 'expected a hostname (DNS label) like "cp-1"'), clusterNodeSchema)
    .refine((nodes) => Object.keys(nodes).length > 0, 'expected at least one node'),
  /** VM sizes nodes refer to (default: the module's small/medium/large/gpu). */
  sizes: z
    .record(
      z.string(),
      z.strictObject({ cores: z.int().min(2), memoryMiB: z.int().min(2048), diskGiB: z.int().min(10) }),
    )
    .optional(),
  health: z
    .strictObject({
      timeout: z
        .string()
        .regex(/^\d+[smh]$/, 'expected a duration like 10m')
        .default('10m'),
      skipKubernetesChecks: z.boolean().default(false),
    })
    .default({ timeout: '10m', skipKubernetesChecks: false }),
});
export type ClusterSpec = z.infer<typeof clusterSchema>;

export const environmentSchema = z.strictObject({
  proxmox: proxmoxSchema,
  templates: templatesSchema,
  talos: talosSchema,
  images: imagesSchema,
  /**
   * `embedded`: every image source comes from the image-mirror simulator (@infra/image-mirror-sim: small
   * generated images and ISOs with their own checksums), which the embedded adapter starts; for the `local`
   * environment, whose simulated Proxmox downloads from loopback only.
   */
  imageMirror: z
    .literal('embedded', { error: 'expected "embedded" (the built-in image mirror) or no imageMirror' })
    .optional(),
  gpu: gpuSchema,
  cluster: clusterSchema.optional(),
  secrets: z.string().min(1),
  ageKeyFile: z.string().min(1).optional(),
});

/** The keys a layer may set: the catalog and each environment (whose `extends` is taken out before checking). */
export const layerKeys: readonly string[] = Object.keys(environmentSchema.shape);

export const fileSchema = z.strictObject({
  catalog: z.record(z.string(), z.unknown()).default({}),
  environments: z
    .record(z.string(), z.record(z.string(), z.unknown()))
    .refine((envs) => Object.keys(envs).length > 0, 'expected at least one environment (e.g. "local")'),
});
