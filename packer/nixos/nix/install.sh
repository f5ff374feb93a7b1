#!/usr/bin/env bash
# Installs NixOS from the minimal ISO onto the build VM's disk, with the configuration Packer serves over HTTP.
# The boot command types `curl …/install.sh | sudo bash -s -- <base URL>` on the live system's console.
set -euo pipefail
base=$1
disk=/dev/sda

parted --script "$disk" -- mklabel gpt \
  mkpart ESP fat32 1MiB 513MiB set 1 esp on \
  mkpart root ext4 513MiB 100%
udevadm settle
mkfs.fat -F 32 -n BOOT "${disk}1"
mkfs.ext4 -F -L nixos "${disk}2"
udevadm settle
mount /dev/disk/by-label/nixos /mnt
mkdir -p /mnt/boot
mount -o umask=077 /dev/disk/by-label/BOOT /mnt/boot

nixos-generate-config --root /mnt
for file in configuration.nix infra-admin.nix build-user.nix; do
  curl --fail --silent --show-error --location "$base/$file" --output "/mnt/etc/nixos/$file"
done
# The channel the ISO carries is copied too, so `nixos-rebuild` works on the installed system.
nixos-install --no-root-passwd
reboot
