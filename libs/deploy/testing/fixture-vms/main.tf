# Test fixture of @infra/deploy (copied to a temp dir next to a copy of terraform/modules/proxmox-vm):
# N VMs cloned from the template the stage looked up by fingerprint tag, optionally spread over the nodes.
terraform {
  required_version = ">= 1.8.0"

  required_providers {
    proxmox = {
      source  = "bpg/proxmox"
      version = "~> 0.111"
    }
  }

  backend "local" {}

  encryption {
    key_provider "pbkdf2" "state" {
      passphrase = var.state_passphrase
    }
    method "aes_gcm" "state" {
      keys = key_provider.pbkdf2.state
    }
    state {
      method   = method.aes_gcm.state
      enforced = true
    }
    plan {
      method   = method.aes_gcm.state
      enforced = true
    }
  }
}

provider "proxmox" {
  endpoint  = var.proxmox_endpoint
  api_token = var.proxmox_api_token
  insecure  = var.proxmox_insecure
}

locals {
  placement = [for i in range(var.vm_count) : var.spread ? var.proxmox_nodes[i % length(var.proxmox_nodes)] : var.node_name]
}

module "vm" {
  source = "../modules/proxmox-vm"
  count  = var.vm_count

  name      = "fixture-${count.index + 1}"
  node_name = local.placement[count.index]
  tags      = ["fixture"]
  started   = var.started
  on_boot   = false

  template = { vm_id = var.templates.base[local.placement[count.index]].vm_id, node_name = var.templates.base[local.placement[count.index]].node_name, full = false }
  cpu      = { cores = var.cores, type = "x86-64-v2-AES" }
  memory   = { dedicated_mib = 1024 }
  disk     = { datastore_id = var.disk_datastore_id, size_gib = 4 }
  network  = { bridge = var.bridge }

  cloud_init = {
    datastore_id    = var.disk_datastore_id
    username        = var.admin_user
    ssh_public_keys = var.admin_ssh_public_keys
  }
}

output "vms" {
  value = { for vm in module.vm : vm.name => { vm_id = vm.vm_id, node = vm.node_name, ipv4 = vm.ipv4_addresses } }
}
