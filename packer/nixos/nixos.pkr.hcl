# NixOS golden template from the official minimal ISO: proxmox-iso boots the ISO (which scripts/build-image.ts
# put on the images storage, checksum-pinned), the boot command runs nix/install.sh from Packer's HTTP server,
# which partitions the disk and runs nixos-install with nix/configuration.nix. Packer then connects as the build
# user, removes that user by rebuilding without it, generalises, and converts the VM to a template. Nix
# configuration takes the place of cloud-init user-data and Ansible here; clones still get cloud-init.
# The source's shared settings are in source.pkr.hcl (generated); NixOS's own are here.

build {
  source "proxmox-iso.nixos" {
    serials = ["socket"]

    efi_config {
      efi_storage_pool  = var.disk_storage_pool
      efi_type          = "4m"
      pre_enrolled_keys = false
    }

    boot_iso {
      type     = "ide"
      iso_file = var.iso_file
      unmount  = true
    }

    disks {
      type         = "scsi"
      disk_size    = "${var.disk_gib}G"
      storage_pool = var.disk_storage_pool
      format       = "raw"
      io_thread    = true
    }

    http_content = {
      "/install.sh"        = file("${path.root}/nix/install.sh")
      "/configuration.nix" = file("${path.root}/nix/configuration.nix")
      "/infra-admin.nix" = templatefile("${path.root}/nix/infra-admin.nix.pkrtpl", {
        admin_user     = var.admin_user
        admin_ssh_keys = var.admin_ssh_keys
      })
      "/build-user.nix" = templatefile("${path.root}/nix/build-user.nix.pkrtpl", {
        build_user     = var.build_user
        ssh_public_key = var.ssh_public_key
      })
    }

    # The minimal ISO logs in as `nixos` on tty1 by itself; wait for that prompt, then run the installer.
    boot_wait = "10s"
    boot_command = [
      "<enter><wait60s>",
      "curl -fsSL http://{{ .HTTPIP }}:{{ .HTTPPort }}/install.sh | sudo bash -s -- http://{{ .HTTPIP }}:{{ .HTTPPort }}<enter>",
    ]

    communicator         = "ssh"
    ssh_username         = var.build_user
    ssh_private_key_file = var.ssh_private_key_file
    ssh_timeout          = "45m"
  }

  # Generalise: rebuild without the build user (it disappears at the next boot: users are declarative), and
  # leave no machine-id or SSH host keys, so every clone gets its own.
  provisioner "shell" {
    inline = [
      "sudo rm -f /etc/nixos/build-user.nix",
      "sudo nixos-rebuild boot",
      "sudo rm -f /etc/ssh/ssh_host_*",
      "sudo truncate -s 0 /etc/machine-id",
    ]
  }
}
