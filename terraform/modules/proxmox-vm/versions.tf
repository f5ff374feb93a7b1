terraform {
  # OpenTofu 1.8+ (and Terraform 1.9+) for cross-object variable validation and `optional()` defaults.
  required_version = ">= 1.8.0"

  required_providers {
    proxmox = {
      source  = "bpg/proxmox"
      version = "~> 0.111"
    }
  }
}
