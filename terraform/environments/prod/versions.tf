terraform {
  # OpenTofu 1.8+: cross-object validation, `optional()` defaults and variables in the encryption block.
  required_version = ">= 1.8.0"

  required_providers {
    proxmox = {
      source  = "bpg/proxmox"
      version = "~> 0.111"
    }
  }

  # A real host: state in PostgreSQL (locking by advisory locks), one schema per environment; the
  # connection URL comes from the SOPS file (tofu.pgConnStr) as PG_CONN_STR. For an S3-compatible store
  # instead, see libs/deploy/README.md (backend "s3" with use_lockfile).
  backend "pg" {}

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
