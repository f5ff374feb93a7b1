# This file is maintained automatically by "tofu init".
# Manual edits may be lost in future updates.

provider "registry.opentofu.org/bpg/proxmox" {
  version     = "0.111.1"
  constraints = "~> 0.111"
  hashes = [
    "h1:IGRgceEVK10Mi4wflnO4VUFKGbut0I/ndXJ0COZJVXk=",
  ]
}

provider "registry.opentofu.org/siderolabs/talos" {
  version     = "0.11.0"
  constraints = "~> 0.11.0"
  hashes = [
    "h1:oz6KFlV/BnkEKGjRj5CZFtHZ7ybcbb8UeL3VVs2zYyU=",
  ]
}
