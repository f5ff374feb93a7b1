# Windows Server 2025 golden template from the evaluation ISO and the VirtIO drivers ISO (both put on the images
# storage by scripts/build-image.ts, checksum-pinned): proxmox-iso boots Setup with a third CD holding the
# generated answer file (autounattend.xml, rendered by @infra/unattend from images.windows.unattend) and
# scripts/infra-setup.ps1, which opens WinRM (or OpenSSH) at the first logon. Packer then installs the guest
# tools and cloudbase-init and generalises with sysprep; clones get their user, keys and network from
# cloudbase-init and their own cloud-init drive. No Ansible here: the PowerShell provisioners are the baseline.
# The source's shared settings are in source.pkr.hcl (generated); Windows's own are here.

build {
  source "proxmox-iso.windows" {
    efi_config {
      efi_storage_pool  = var.disk_storage_pool
      efi_type          = "4m"
      pre_enrolled_keys = true
    }

    tpm_config {
      tpm_storage_pool = var.disk_storage_pool
      tpm_version      = "v2.0"
    }

    boot_iso {
      type     = "sata"
      index    = "0"
      iso_file = var.iso_file
      unmount  = true
    }

    additional_iso_files {
      type     = "sata"
      index    = "1"
      iso_file = var.drivers_iso_file
      unmount  = true
    }

    additional_iso_files {
      type             = "sata"
      index            = "2"
      iso_storage_pool = var.iso_storage_pool
      cd_label         = "INFRA"
      cd_content = {
        "autounattend.xml"               = var.autounattend_xml
        "infra-setup.ps1"                = file("${path.root}/scripts/infra-setup.ps1")
        "administrators_authorized_keys" = var.ssh_public_key
      }
      unmount = true
    }

    disks {
      type         = "scsi"
      disk_size    = "${var.disk_gib}G"
      storage_pool = var.disk_storage_pool
      format       = "raw"
      io_thread    = true
      discard      = true
    }

    # OVMF shows "Press any key to boot from CD or DVD" for a few seconds.
    boot_wait    = "3s"
    boot_command = ["<enter><wait><enter>"]

    communicator         = var.communicator
    winrm_username       = "Administrator"
    winrm_password       = var.build_password
    winrm_use_ssl        = true
    winrm_insecure       = true
    winrm_timeout        = "2h"
    ssh_username         = "Administrator"
    ssh_private_key_file = var.ssh_private_key_file
    ssh_timeout          = "2h"
  }

  provisioner "powershell" {
    script = "${path.root}/scripts/install-guest-tools.ps1"
  }

  provisioner "powershell" {
    environment_vars = [
      "CLOUDBASE_INIT_URL=${var.cloudbase_init_url}",
      "CLOUDBASE_INIT_SHA256=${var.cloudbase_init_sha256}",
    ]
    script = "${path.root}/scripts/install-cloudbase-init.ps1"
  }

  provisioner "powershell" {
    script = "${path.root}/scripts/sysprep.ps1"
  }
}
