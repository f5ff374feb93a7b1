# The cluster stage's root module: the environment's Talos cluster (terraform/modules/talos-cluster), one
# instance per environment. libs/cluster fills the variables from infra.config.yaml (environments.<env>.cluster)
# and the template it found by fingerprint tag; the state (holding the machine secrets) is always encrypted.
terraform {
  required_version = ">= 1.8.0"

  required_providers {
    proxmox = {
      source  = "bpg/proxmox"
      version = "~> 0.111"
    }
    talos = {
      source  = "siderolabs/talos"
      version = "~> 0.11.0"
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

module "cluster" {
  source = "../../modules/talos-cluster"

  cluster_name       = var.cluster.name
  cluster_endpoint   = var.cluster.endpoint
  kubernetes_version = var.cluster.kubernetes_version
  talos_version      = var.talos_version
  nodes              = var.cluster.nodes
  sizes              = var.cluster.sizes
  network            = merge(var.cluster.network, { bridge = var.bridge })
  health             = var.cluster.health
  gpu_mapping        = var.gpu_mapping
  disk_datastore_id  = var.disk_datastore_id
  installer          = { platform = var.talos_platform, host = var.installer_host }
  template = {
    talos_version = coalesce(var.template_talos_version, var.talos_version)
    schematic_id  = var.schematic_id
    clones        = var.templates.talos
  }
  config_patches     = var.config_patches
  gpu_config_patches = var.gpu_config_patches
  inline_manifests   = var.inline_manifests
  upgrade            = { talosctl = var.talosctl }
}
