# This file is maintained automatically by "tofu init".
# Manual edits may be lost in future updates.

provider "registry.opentofu.org/bpg/proxmox" {
  version     = "0.111.1"
  constraints = "~> 0.111"
  hashes = [
    "h1:IGRgceEVK10Mi4wflnO4VUFKGbut0I/ndXJ0COZJVXk=",
  ]
}
