# Set by the deploy stage (libs/deploy); see libs/deploy/README.md for where each value comes from.
# Every environment declares the same variables: terraform/environments/prod/variables.tf is a symbolic
# link to this file (the environments differ only in their backend, versions.tf). The Nx plugin makes
# this file an input of every environment that links it (tools/nx-plugin, listLinks).

variable "proxmox_endpoint" {
  description = "Proxmox VE API endpoint (infra.config.yaml: proxmox.endpoint; the simulator's URL when embedded)."
  type        = string
}

variable "proxmox_api_token" {
  description = "API token as user@realm!tokenid=secret, from the SOPS file (TF_VAR_proxmox_api_token)."
  type        = string
  sensitive   = true
}

variable "proxmox_insecure" {
  description = "Skip TLS verification; only true when infra.config.yaml says proxmox.tls.insecure."
  type        = bool
  default     = false
}

variable "state_passphrase" {
  description = "Passphrase of the state encryption, from the SOPS file (tofu.statePassphrase)."
  type        = string
  sensitive   = true
}

variable "node_name" {
  description = "Proxmox node (infra.config.yaml: proxmox.node)."
  type        = string
}

variable "proxmox_nodes" {
  description = "The cluster's online nodes, to spread VMs over."
  type        = list(string)
}

variable "bridge" {
  description = "Linux bridge for the VM NICs (infra.config.yaml: proxmox.bridge)."
  type        = string
}

variable "disk_datastore_id" {
  description = "Storage for VM disks and cloud-init drives (infra.config.yaml: proxmox.storage.disks)."
  type        = string
}

variable "templates" {
  description = "Golden templates found by fingerprint tag: name -> node -> the template to clone there."
  type        = map(map(object({ vm_id = number, node_name = string })))
}

variable "admin_user" {
  description = "Login user cloud-init creates (SOPS: admin.username)."
  type        = string
}

variable "admin_ssh_public_keys" {
  description = "OpenSSH public keys of admin_user (SOPS: admin.sshPublicKeys)."
  type        = list(string)
}

variable "node_count" {
  description = "How many Talos VMs to run, spread round-robin over proxmox_nodes."
  type        = number
  default     = 1
}
