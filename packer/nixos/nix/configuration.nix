# NixOS golden image for Proxmox VE: the system packer/nixos installs. Packer serves this file to the installer
# (nix/install.sh) next to two files it renders per build: infra-admin.nix (the admin account from
# infra.config.yaml) and build-user.nix (the temporary build user with the build's ephemeral key, removed before
# the VM becomes a template). The same settings as the Ansible roles give the other Linux images.
{ lib, modulesPath, ... }:
{
  imports = [
    ./hardware-configuration.nix
    (modulesPath + "/profiles/qemu-guest.nix")
    ./infra-admin.nix
  ] ++ lib.optional (builtins.pathExists ./build-user.nix) ./build-user.nix;

  boot.loader.systemd-boot.enable = true;
  # Clones get a copy of the EFI disk; systemd-boot's fallback path (EFI/BOOT/BOOTX64.EFI) boots them.
  boot.loader.efi.canTouchEfiVariables = false;
  boot.kernelParams = [ "console=ttyS0,115200" "console=tty0" ];

  # Every clone gets its hostname, keys and network from its own cloud-init drive.
  networking.hostName = "";
  networking.useDHCP = lib.mkDefault true;
  services.cloud-init.enable = true;
  services.cloud-init.network.enable = true;

  services.qemuGuest.enable = true;

  # One time daemon: chrony, as on the other images.
  services.timesyncd.enable = false;
  services.chrony.enable = true;

  # The sshd hardening of ansible/roles/ssh_hardening.
  services.openssh = {
    enable = true;
    settings = {
      PermitRootLogin = "no";
      PasswordAuthentication = false;
      KbdInteractiveAuthentication = false;
      PermitEmptyPasswords = false;
      PubkeyAuthentication = true;
      AuthenticationMethods = "publickey";
      MaxAuthTries = 3;
      LoginGraceTime = 30;
      ClientAliveInterval = 300;
      ClientAliveCountMax = 2;
      X11Forwarding = false;
      AllowAgentForwarding = false;
      PermitUserEnvironment = false;
    };
  };

  # Upgrades are deliberate on NixOS: a new image from a new pin, or `nixos-rebuild` on a clone.
  nix.settings.experimental-features = [ "nix-command" "flakes" ];

  system.stateVersion = "25.11";
}
