# Optional example (not an environment the deploy stage runs): a GPU workstation cloned from the Debian
# golden template, found by fingerprint tag like every template, with the NVIDIA card attached by mapping.
module "gpu_workstation" {
  source = "../../modules/proxmox-vm"

  name      = "gpu-workstation"
  node_name = var.node_name
  tags      = ["debian", "gpu"]

  template = var.templates.debian[var.node_name]
  cpu      = { cores = 8, type = "host" }
  memory   = { dedicated_mib = 16384 }
  disk     = { datastore_id = var.disk_datastore_id, size_gib = 64 }
  network  = { bridge = var.bridge }

  cloud_init = {
    datastore_id    = var.disk_datastore_id
    username        = var.admin_user
    ssh_public_keys = var.admin_ssh_public_keys
  }

  gpu = var.gpu_mapping == null ? null : { mapping = var.gpu_mapping }
}
