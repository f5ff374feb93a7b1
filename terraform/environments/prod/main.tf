# Talos VMs cloned from the golden Talos template (found by its fingerprint tag), spread over the cluster's
# nodes. The cluster stage (terraform/modules/talos-cluster) configures and bootstraps them.
locals {
  # Round-robin, starting on the configured node (infra.config.yaml: proxmox.node).
  order     = concat([var.node_name], [for n in var.proxmox_nodes : n if n != var.node_name])
  placement = [for i in range(var.node_count) : local.order[i % length(local.order)]]
}

module "talos_node" {
  source = "../../modules/proxmox-vm"
  count  = var.node_count

  name      = "talos-${count.index + 1}"
  node_name = local.placement[count.index]
  tags      = ["talos"]

  template = var.templates.talos[local.placement[count.index]]
  cpu      = { cores = 4 }
  memory   = { dedicated_mib = 4096 }
  disk     = { datastore_id = var.disk_datastore_id, size_gib = 64 }
  network  = { bridge = var.bridge }

  cloud_init = {
    datastore_id    = var.disk_datastore_id
    username        = var.admin_user
    ssh_public_keys = var.admin_ssh_public_keys
  }
}
