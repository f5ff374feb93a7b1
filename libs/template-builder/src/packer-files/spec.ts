/**
 * What differs between the Packer folders whose shared parts are generated (`packer/_shared/*.tmpl`): one entry
 * per OS. The clone family (Debian, Ubuntu, Arch) is one template filled in per OS; the ISO family (NixOS,
 * Windows) shares its source block, and each OS's own `<os>.pkr.hcl` adds its boot media, disks, login and
 * provisioners in the build block. Every OS gets the same variables file (plus its family's part) and the
 * plugins file, whose versions come from mise.toml.
 */
export interface PackerImageSpec {
  family: 'clone' | 'iso';
  title: string;
  /** Packer plugins the template uses (keys of mise.toml's `[_.infra.packer-plugins]`, short names). */
  plugins: Array<'proxmox' | 'ansible'>;
  /** The bridge description: what the build VM needs internet access for. */
  networkUse: string;
  /** Where the build VM gets ssh_public_key from. */
  keyCarrier: string;
  /** Linux logins (clone family, NixOS): where the build user comes from; absent for Windows. */
  buildUserFrom?: string;
  clone?: { upstream: string; roles: string };
  iso?: { taskTimeout: string; guestOs: string; applied: string; cloneConfig: string };
}

export const PACKER_IMAGES: Record<string, PackerImageSpec> = {
  debian: {
    family: 'clone',
    title: 'Debian',
    plugins: ['proxmox', 'ansible'],
    networkUse: 'apt',
    keyCarrier: 'the cloud-init seed',
    buildUserFrom: 'cloud-init/user-data.yaml creates it',
    clone: { upstream: "Debian's official genericcloud qcow2", roles: 'the baseline role' },
  },
  ubuntu: {
    family: 'clone',
    title: 'Ubuntu',
    plugins: ['proxmox', 'ansible'],
    networkUse: 'apt',
    keyCarrier: 'the cloud-init seed',
    buildUserFrom: 'cloud-init/user-data.yaml creates it',
    clone: {
      upstream: "Ubuntu's official server cloud image (qcow2, named .img)",
      roles: 'the baseline role',
    },
  },
  arch: {
    family: 'clone',
    title: 'Arch',
    plugins: ['proxmox', 'ansible'],
    networkUse: 'the package mirror',
    keyCarrier: 'the cloud-init seed',
    buildUserFrom: 'cloud-init/user-data.yaml creates it',
    clone: {
      upstream: "Arch Linux's official cloud image (qcow2)",
      roles: 'the admin, ssh_hardening and guest_services roles',
    },
  },
  nixos: {
    family: 'iso',
    title: 'NixOS',
    plugins: ['proxmox'],
    networkUse: 'the Nix binary cache',
    keyCarrier: 'nix/build-user.nix',
    buildUserFrom: 'nix/build-user.nix declares it',
    iso: {
      taskTimeout: '10m',
      guestOs: 'l26',
      applied: 'packer/nixos/nix/configuration.nix applied',
      cloneConfig: 'NixOS runs cloud-init for them',
    },
  },
  windows: {
    family: 'iso',
    title: 'Windows Server',
    plugins: ['proxmox'],
    networkUse: 'the cloudbase-init download',
    keyCarrier: 'the answer-file CD, for OpenSSH',
    iso: {
      taskTimeout: '20m',
      guestOs: 'win11',
      applied: 'guest tools, cloudbase-init and sysprep',
      cloneConfig: 'cloudbase-init reads it',
    },
  },
};
