packer {
  required_version = ">= 1.10.0"

  required_plugins {
    # Pinned exactly: `./infra setup` builds these versions from source and installs them with
    # `packer plugins install --path`, so `packer init` finds them and never goes to the network.
    proxmox = {
      source  = "github.com/hashicorp/proxmox"
      version = "= 1.2.4"
    }
    ansible = {
      source  = "github.com/hashicorp/ansible"
      version = "= 1.1.6"
    }
  }
}
