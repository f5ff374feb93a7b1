terraform {
  # OpenTofu 1.8+: cross-object validation, `optional()` defaults and variables in the encryption block.
  required_version = ">= 1.8.0"

  required_providers {
    proxmox = {
      source  = "bpg/proxmox"
      version = "~> 0.111"
    }
  }

  # The embedded default: state under .infra/tofu/local/ (the deploy stage passes the path; ignored by git).
  backend "local" {}

  # State and plans are always encrypted (OpenTofu native encryption); a plaintext state is refused. The
  # passphrase comes from the environment's SOPS file (tofu.statePassphrase) as TF_VAR_state_passphrase.
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
