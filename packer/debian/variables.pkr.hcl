# Values come from infra.config.yaml (scripts/build-image.ts and the validator pass them as PKR_VAR_* environment
# variables); the defaults below only document the expected shape.

variable "proxmox_url" {
  type        = string
  description = "Proxmox API URL including /api2/json, e.g. https://pve.lan:8006/api2/json."
}

variable "proxmox_username" {
  type        = string
  description = "API token id, user@realm!tokenid."
}

variable "proxmox_token" {
  type        = string
  sensitive   = true
  description = "API token secret. Only ever passed in a 0600 -var-file from the decrypted SOPS file, never in the environment (shell-local would hand it to ansible-playbook)."
}

variable "proxmox_insecure_skip_tls_verify" {
  type        = bool
  default     = false
  description = "Skip TLS verification (embedded simulator only)."
}

variable "node" {
  type        = string
  description = "Proxmox node that builds the template."
}

variable "bridge" {
  type        = string
  default     = "vmbr0"
  description = "Bridge for the build VM's NIC; it needs DHCP and internet access for apt."
}

variable "disk_storage_pool" {
  type        = string
  description = "Storage for the template's disks (proxmox.storage.disks)."
}

variable "iso_storage_pool" {
  type        = string
  description = "Storage that accepts ISO uploads, for the generated cloud-init seed ISO (proxmox.storage.images)."
}

variable "base_vm_id" {
  type        = number
  description = "VMID of the base VM imported from the official Debian cloud image (import-from), created by scripts/build-image.ts."

  validation {
    condition     = var.base_vm_id >= 100
    error_message = "The base_vm_id must be a Proxmox VMID (>= 100)."
  }
}

variable "template_vm_id" {
  type        = number
  description = "VMID of the golden template to create (templates.vmidRange)."

  validation {
    condition     = var.template_vm_id >= 100
    error_message = "The template_vm_id must be a Proxmox VMID (>= 100)."
  }
}

variable "debian_version" {
  type        = string
  default     = "13"
  description = "Debian major version of the base image (images.debian.version)."
}

variable "source_image_url" {
  type        = string
  description = "Official cloud image the base VM was imported from (images.debian.source.url); recorded in the template notes."
}

variable "cores" {
  type        = number
  default     = 2
  description = "vCPU cores (images.debian.hardware.cores)."
}

variable "sockets" {
  type        = number
  default     = 1
  description = "vCPU sockets (images.debian.hardware.sockets)."
}

variable "memory_mib" {
  type        = number
  default     = 2048
  description = "Memory in MiB (images.debian.hardware.memoryMiB)."
}

variable "cpu_type" {
  type        = string
  default     = "host"
  description = "QEMU CPU type (images.debian.hardware.cpuType)."
}

variable "machine" {
  type        = string
  default     = "q35"
  description = "QEMU machine type (images.debian.hardware.machine)."
}

variable "bios" {
  type        = string
  default     = "ovmf"
  description = "ovmf or seabios (images.debian.hardware.bios); must match the base VM."
}

variable "scsi_controller" {
  type        = string
  default     = "virtio-scsi-single"
  description = "SCSI controller model (images.debian.hardware.scsiController)."
}

variable "build_user" {
  type        = string
  default     = "packer"
  description = "Temporary user cloud-init creates for the build; removed before the VM becomes a template."
}

variable "ssh_private_key_file" {
  type        = string
  description = "Ephemeral private key for the build user (a 0600 temp file the build script creates and deletes)."
}

variable "ssh_public_key" {
  type        = string
  description = "Public half of ssh_private_key_file, put into the cloud-init seed."
}

variable "admin_user" {
  type        = string
  default     = "infra"
  description = "Admin account the baseline role creates in the image."
}

variable "admin_ssh_keys" {
  type        = list(string)
  default     = []
  description = "OpenSSH public keys for admin_user; clones also get keys from their own cloud-init."
}
