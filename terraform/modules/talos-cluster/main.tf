# One VM per node, cloned from the Talos template on its Proxmox node. Talos needs no SSH and no user account:
# the nocloud drive only carries the static address; the machine config comes over the Talos API.
resource "proxmox_virtual_environment_vm" "node" {
  for_each = var.nodes

  name        = each.key
  description = "Talos ${each.value.role} of cluster ${var.cluster_name}. Managed by OpenTofu (infra/terraform/modules/talos-cluster)."
  tags        = sort(distinct(concat(["infra", "talos", var.cluster_name, each.value.role], each.value.gpu ? ["gpu"] : [])))
  node_name   = each.value.node
  vm_id       = each.value.vm_id

  machine       = "q35"
  bios          = "ovmf"
  scsi_hardware = "virtio-scsi-single"
  started       = true
  on_boot       = true
  # Talos answers ACPI shutdown; a GPU VM must not be hard-stopped mid-reset.
  stop_on_destroy = false

  clone {
    vm_id     = var.template.clones[each.value.node].vm_id
    node_name = var.template.clones[each.value.node].node_name
    full      = true
  }

  agent {
    enabled = true
    trim    = true
    # The address is static (cloud-init) and the talos provider waits for apid itself; bpg would otherwise wait
    # for a global-unicast address the embedded simulator's loopback nodes never have.
    wait_for_ip {
      disabled = true
    }
  }

  cpu {
    cores = var.sizes[each.value.size].cores
    type  = "host"
  }

  memory {
    dedicated = var.sizes[each.value.size].memory_mib
    # Passthrough pins all guest RAM: no balloon on GPU nodes.
    floating = 0
  }

  disk {
    datastore_id = var.disk_datastore_id
    interface    = "scsi0"
    size         = var.sizes[each.value.size].disk_gib
    discard      = "on"
    iothread     = true
    ssd          = true
  }

  # No efi_disk block: the clone carries the template's EFI vars disk (with one, bpg moves it onto the same
  # storage after the clone, which Proxmox refuses).

  network_device {
    bridge  = var.network.bridge
    model   = "virtio"
    vlan_id = var.network.vlan_id
  }

  operating_system {
    type = "l26"
  }

  initialization {
    datastore_id = var.disk_datastore_id
    ip_config {
      ipv4 {
        address = "${each.value.ip}/${var.network.prefix_length}"
        gateway = var.network.gateway
      }
    }
    dynamic "dns" {
      for_each = length(var.network.dns_servers) > 0 ? [1] : []
      content {
        servers = var.network.dns_servers
      }
    }
  }

  # The GPU by cluster resource mapping (a token may attach a mapped device; a raw PCI id needs root@pam).
  dynamic "hostpci" {
    for_each = each.value.gpu ? [var.gpu_mapping] : []
    content {
      device  = "hostpci0"
      mapping = hostpci.value
      pcie    = true
      rombar  = true
    }
  }

  lifecycle {
    # A new template (another Talos version or schematic) is for new nodes; existing ones are upgraded in
    # place by talos_upgrade below, never re-cloned.
    ignore_changes = [clone]

    precondition {
      condition     = contains(keys(var.template.clones), each.value.node)
      error_message = "nodes.${each.key}.node: there is no Talos template to clone on Proxmox node \"${each.value.node}\" (template.clones has ${join(", ", keys(var.template.clones))}); build one there (nx run talos:build-image) or put it on shared storage."
    }
    precondition {
      condition     = contains(keys(var.sizes), each.value.size)
      error_message = "nodes.${each.key}.size: \"${each.value.size}\" is not one of sizes (${join(", ", keys(var.sizes))})."
    }
    precondition {
      condition     = local.talos_version_number >= local.template_version_number
      error_message = "talos_version ${var.talos_version} is older than the template's Talos (${var.template.talos_version}): new nodes would boot a newer system than the cluster runs. Build a template for ${var.talos_version} or raise talos_version."
    }
  }
}
