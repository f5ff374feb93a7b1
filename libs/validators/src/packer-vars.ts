import type { Environment } from '@infra/config';
import { InfraError } from '@infra/core';
import { renderAutounattend } from '@infra/unattend';
import type { ValidatorsErrorCode } from './error-codes';

/**
 * The Packer variables an environment injects into `packer/<os>` templates, as PKR_VAR_* values (strings;
 * Packer parses non-string variables from them as HCL). `scripts/build-image.ts` passes the same set plus real
 * credentials and VMIDs; `packer validate` gets placeholders for what only exists at build time.
 *
 * Packer ignores PKR_VAR_* for variables a template does not declare, so one set serves every OS.
 */
export interface BuildTimeValues {
  /** Path of the build user's private key (a 0600 file in a private temp dir). */
  sshPrivateKeyFile: string;
  sshPublicKey: string;
  /** Proxmox API token id (user@realm!tokenid); the secret goes separately, in a -var-file. */
  tokenId?: string;
  baseVmId?: number;
  templateVmId?: number;
  /** Windows: the build's one-time Administrator password (a placeholder for validate). */
  windowsBuildPassword?: string;
}

/**
 * Where an ISO install finds its media on the images storage: `<storage>:iso/<os>-<version>-<media>-<checksum
 * prefix>.iso`, content-addressed like the cloud-image files, so two pins never share a name. The build's base
 * stage puts each file there (download-url content=iso, checksum-verified) under this name.
 */
export function installMediaVolume(env: Environment, os: string, media: 'source' | 'drivers'): string {
  const image = env.images[os];
  const pinned = media === 'drivers' ? image?.drivers : image?.source;
  if (!image || !pinned) {
    throw new InfraError<ValidatorsErrorCode>(
      'IMAGE_NOT_CONFIGURED',
      `${env.configFile}: images.${os} has no ${media} to install from`,
    );
  }
  const prefix = pinned.checksum.split(':')[1]?.slice(0, 12) ?? '';
  const name = `${os}-${image.version}-${media}-${prefix}.iso`.replace(/[^a-zA-Z0-9._-]/g, '-');
  return `${env.proxmox.storage.images}:iso/${name}`;
}

/** Used when the endpoint is the embedded simulator: the build script substitutes the address it listens on. */
export const EMBEDDED_PROXMOX_API_URL = 'https://127.0.0.1:8006/api2/json';

export function packerVariables(
  env: Environment,
  os: string,
  build: BuildTimeValues,
): Record<string, string> {
  const image = Object.hasOwn(env.images, os) ? env.images[os] : undefined;
  if (!image) {
    throw new InfraError<ValidatorsErrorCode>(
      'IMAGE_NOT_CONFIGURED',
      `${env.configFile}: environment "${env.name}" has no images.${os}`,
      {
        hint: `add images.${os} (version, source.url, source.checksum, hardware) to the catalog in infra.config.yaml`,
      },
    );
  }
  const embedded = env.proxmox.endpoint === 'embedded';
  const apiUrl = embedded
    ? EMBEDDED_PROXMOX_API_URL
    : `${env.proxmox.endpoint.replace(/\/+$/, '')}/api2/json`;
  const { start, end } = env.templates.vmidRange;
  const hw = image.hardware;
  return {
    proxmox_url: apiUrl,
    proxmox_username: build.tokenId ?? 'infra@pve!build',
    proxmox_insecure_skip_tls_verify: String(embedded || env.proxmox.tls.insecure === true),
    node: env.proxmox.node,
    bridge: env.proxmox.bridge,
    disk_storage_pool: env.proxmox.storage.disks,
    iso_storage_pool: env.proxmox.storage.images,
    // Only a clone has a base VM; an ISO install starts from its media.
    ...(image.install === 'iso' ? {} : { base_vm_id: String(build.baseVmId ?? end) }),
    template_vm_id: String(build.templateVmId ?? start),
    [`${os}_version`]: image.version,
    source_image_url: image.source.url,
    cores: String(hw.cores),
    sockets: String(hw.sockets),
    memory_mib: String(hw.memoryMiB),
    cpu_type: hw.cpuType,
    machine: hw.machine,
    bios: hw.bios,
    scsi_controller: hw.scsiController,
    ssh_private_key_file: build.sshPrivateKeyFile,
    ssh_public_key: build.sshPublicKey,
    disk_gib: String(hw.diskGiB),
    ...(image.install === 'iso' ? { iso_file: installMediaVolume(env, os, 'source') } : {}),
    ...(image.drivers ? { drivers_iso_file: installMediaVolume(env, os, 'drivers') } : {}),
    ...windowsVariables(env, os, build),
  };
}

/** The answer file (rendered from images.windows.unattend), the communicator and cloudbase-init's pin. */
function windowsVariables(env: Environment, os: string, build: BuildTimeValues): Record<string, string> {
  const image = env.images[os];
  if (os !== 'windows' || !image?.unattend || !image.cloudbaseInit) return {};
  const password = build.windowsBuildPassword ?? 'Validate-Only-Placeholder-1';
  const [, cloudbaseSha256 = ''] = image.cloudbaseInit.checksum.split(':');
  return {
    autounattend_xml: renderAutounattend({
      settings: image.unattend,
      adminPassword: password,
      generatedFrom: `${env.configFile} images.windows.unattend (environment ${env.name})`,
    }),
    build_password: password,
    communicator: image.unattend.communicator,
    cloudbase_init_url: image.cloudbaseInit.url,
    cloudbase_init_sha256: cloudbaseSha256.toUpperCase(),
  };
}

/** `{ name: value }` → `{ PKR_VAR_name: value }`. */
export function toPackerEnv(variables: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(variables).map(([name, value]) => [`PKR_VAR_${name}`, value]));
}
