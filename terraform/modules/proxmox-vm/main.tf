locals {
  # Sorted and de-duplicated: Proxmox stores tags that way, so anything else shows a perpetual diff.
  tags = sort(distinct(concat(["infra"], var.tags)))
}

resource "proxmox_virtual_environment_vm" "this" {
  name        = var.name
  description = var.description
  tags        = local.tags
  node_name   = var.node_name
  vm_id       = var.vm_id

  machine       = var.machine
  bios          = var.bios
  scsi_hardware = "virtio-scsi-single"
  started       = var.started
  on_boot       = var.on_boot

  clone {
    vm_id     = var.template.vm_id
    node_name = var.template.node_name
    full      = var.template.full
  }

  # The golden images ship qemu-guest-agent; with it Proxmox shuts the VM down cleanly and reports its IPs.
  agent {
    enabled = true
    trim    = true
  }

  cpu {
    cores   = var.cpu.cores
    sockets = var.cpu.sockets
    type    = var.cpu.type
  }

  memory {
    dedicated = var.memory.dedicated_mib
    floating  = var.gpu == null ? var.memory.floating_mib : 0
  }

  disk {
    datastore_id = var.disk.datastore_id
    interface    = var.disk.interface
    size         = var.disk.size_gib
    discard      = var.disk.discard ? "on" : "ignore"
    iothread     = var.disk.iothread
    ssd          = var.disk.ssd
  }

  dynamic "efi_disk" {
    for_each = var.bios == "ovmf" ? [1] : []
    content {
      datastore_id = var.disk.datastore_id
      type         = "4m"
    }
  }

  network_device {
    bridge  = var.network.bridge
    model   = var.network.model
    vlan_id = var.network.vlan_id
  }

  operating_system {
    type = "l26"
  }

  # Debian and Ubuntu cloud images expect a serial console (and can panic on disk resize without one).
  serial_device {}

  initialization {
    datastore_id = var.cloud_init.datastore_id

    user_account {
      username = var.cloud_init.username
      keys     = var.cloud_init.ssh_public_keys
    }

    ip_config {
      ipv4 {
        address = var.cloud_init.ipv4_address
        gateway = var.cloud_init.ipv4_address == "dhcp" ? null : var.cloud_init.ipv4_gateway
      }
    }

    dynamic "dns" {
      for_each = length(var.cloud_init.dns_servers) > 0 || var.cloud_init.dns_domain != null ? [1] : []
      content {
        servers = var.cloud_init.dns_servers
        domain  = var.cloud_init.dns_domain
      }
    }
  }

  dynamic "hostpci" {
    for_each = var.gpu == null ? [] : [var.gpu]
    content {
      device  = hostpci.value.device
      mapping = hostpci.value.mapping
      pcie    = true
      rombar  = hostpci.value.rombar
      xvga    = hostpci.value.primary_gpu
    }
  }

  lifecycle {
    precondition {
      condition     = var.gpu == null || startswith(var.machine, "q35") || startswith(var.machine, "pc-q35")
      error_message = "GPU passthrough uses pcie = true, which needs the q35 machine type; set machine = \"q35\"."
    }
  }
}
