variable "proxmox_endpoint" {
  description = "Proxmox VE API endpoint, e.g. https://pve.lan:8006/ (infra.config.yaml: environments.<env>.proxmox.endpoint)."
  type        = string

  validation {
    condition     = can(regex("^https://[^/]+(:[0-9]+)?/?$", var.proxmox_endpoint))
    error_message = "proxmox_endpoint must be an https:// URL with no path, e.g. https://pve.lan:8006/."
  }
}

variable "proxmox_api_token" {
  description = "API token as user@realm!tokenid=secret. Pass it as TF_VAR_proxmox_api_token; never put it in a file."
  type        = string
  sensitive   = true

  validation {
    condition     = can(regex("^[^@\\s]+@[^!\\s]+![^=\\s]+=[^\\s]+$", var.proxmox_api_token))
    error_message = "proxmox_api_token must look like user@realm!tokenid=secret."
  }
}

variable "proxmox_insecure" {
  description = "Skip TLS verification. Only for the embedded simulator's throw-away certificate; pin or trust the CA for real hosts."
  type        = bool
  default     = false
}

variable "node_name" {
  description = "Proxmox node (infra.config.yaml: proxmox.node)."
  type        = string
  default     = "pve"
}

variable "bridge" {
  description = "Linux bridge for the VM NICs (infra.config.yaml: proxmox.bridge)."
  type        = string
  default     = "vmbr0"
}

variable "disk_datastore_id" {
  description = "Storage for VM disks and cloud-init drives (infra.config.yaml: proxmox.storage.disks)."
  type        = string
  default     = "local-lvm"
}

variable "templates" {
  description = "Golden templates found by fingerprint tag (libs/deploy): name -> node -> the template to clone there."
  type        = map(map(object({ vm_id = number, node_name = string })))
}

variable "admin_user" {
  description = "Login user cloud-init creates on each VM."
  type        = string
  default     = "infra"
}

variable "admin_ssh_public_keys" {
  description = "OpenSSH public keys allowed to log in as admin_user."
  type        = list(string)
}

variable "gpu_mapping" {
  description = "Cluster PCI resource mapping of the GPU (infra.config.yaml: gpu.mapping); null runs the workstation without a GPU."
  type        = string
  default     = "rtx4000ada"
}
