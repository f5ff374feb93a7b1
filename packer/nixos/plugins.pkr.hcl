packer {
  required_version = ">= 1.10.0"

  required_plugins {
    # Pinned exactly: `./infra setup` builds this version from source and installs it with
    # `packer plugins install --path`, so `packer init` finds it and never goes to the network.
    proxmox = {
      source  = "github.com/hashicorp/proxmox"
      version = "= 1.2.4"
    }
  }
}
