/**
 * The throw-away root module an import run plans in (a temp dir, its own local state, never the
 * environment's backend): the bpg provider configured as every root module here is (endpoint, token and TLS
 * trust from the deploy stage's session), state and plans encrypted, and a probe resource whose planned
 * values are the provider's defaults.
 */
export const PROBE_LABEL = 'infra_import_probe';
export const PROBE_BLOCKS_LABEL = 'infra_import_probe_blocks';

export const SCRATCH_MAIN_TF = `# Scratch root module of scripts/import.ts (libs/operations/src/import/scratch.ts); removed after the run.
terraform {
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

variable "proxmox_endpoint" {
  type = string
}

variable "proxmox_api_token" {
  type      = string
  sensitive = true
}

variable "proxmox_insecure" {
  type    = bool
  default = false
}

variable "state_passphrase" {
  type      = string
  sensitive = true
}

variable "node_name" {
  type = string
}
`;

/**
 * Planned, never applied: what the provider fills in for a VM that sets only node_name (top-level
 * defaults, and the blocks it adds by itself), and for one empty element of each block the generator
 * writes (every nested default).
 */
export const PROBE_TF = `resource "proxmox_virtual_environment_vm" "${PROBE_LABEL}" {
  node_name = var.node_name
}

resource "proxmox_virtual_environment_vm" "${PROBE_BLOCKS_LABEL}" {
  node_name = var.node_name

  agent {}
  cpu {}
  memory {}
  disk {
    interface = "scsi0"
  }
  network_device {}
  serial_device {}
  vga {}
}
`;
