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

variable "proxmox_nodes" {
  type = list(string)
}

variable "bridge" {
  type = string
}

variable "disk_datastore_id" {
  type = string
}

variable "templates" {
  type = map(map(object({ vm_id = number, node_name = string })))
}

variable "admin_user" {
  type = string
}

variable "admin_ssh_public_keys" {
  type = list(string)
}

variable "vm_count" {
  type    = number
  default = 1
}

variable "cores" {
  type    = number
  default = 1
}

variable "spread" {
  type    = bool
  default = false
}

variable "started" {
  type    = bool
  default = true
}
