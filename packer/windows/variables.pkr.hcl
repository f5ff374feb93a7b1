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
  description = "API token secret. Only ever passed as PKR_VAR_proxmox_token from the decrypted SOPS file."
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
  description = "Bridge for the build VM's NIC; it needs DHCP and internet access for the cloudbase-init download."
}

variable "disk_storage_pool" {
  type        = string
  description = "Storage for the template's disks (proxmox.storage.disks)."
}

variable "template_vm_id" {
  type        = number
  description = "VMID of the golden template to create (templates.vmidRange)."

  validation {
    condition     = var.template_vm_id >= 100
    error_message = "The template_vm_id must be a Proxmox VMID (>= 100)."
  }
}

variable "windows_version" {
  type        = string
  default     = "2025"
  description = "Windows Server release of the install ISO (images.windows.version)."
}

variable "source_image_url" {
  type        = string
  description = "Evaluation ISO the build installs from (images.windows.source.url); recorded in the template notes."
}

variable "iso_file" {
  type        = string
  description = "The install ISO on the images storage (<storage>:iso/<file>), put there checksum-verified by scripts/build-image.ts."

  validation {
    condition     = can(regex("^[^:]+:iso/.+[.]iso$", var.iso_file))
    error_message = "The iso_file must be a Proxmox ISO volume, <storage>:iso/<file>.iso."
  }
}

variable "disk_gib" {
  type        = number
  default     = 64
  description = "System disk size in GiB (images.windows.hardware.diskGiB)."
}

variable "cores" {
  type        = number
  default     = 2
  description = "vCPU cores (images.windows.hardware.cores)."
}

variable "sockets" {
  type        = number
  default     = 1
  description = "vCPU sockets (images.windows.hardware.sockets)."
}

variable "memory_mib" {
  type        = number
  default     = 2048
  description = "Memory in MiB (images.windows.hardware.memoryMiB)."
}

variable "cpu_type" {
  type        = string
  default     = "host"
  description = "QEMU CPU type (images.windows.hardware.cpuType)."
}

variable "machine" {
  type        = string
  default     = "q35"
  description = "QEMU machine type (images.windows.hardware.machine)."
}

variable "bios" {
  type        = string
  default     = "ovmf"
  description = "ovmf or seabios (images.windows.hardware.bios); must match the base VM."
}

variable "scsi_controller" {
  type        = string
  default     = "virtio-scsi-single"
  description = "SCSI controller model (images.windows.hardware.scsiController)."
}

variable "ssh_private_key_file" {
  type        = string
  description = "Ephemeral private key for Administrator when the communicator is ssh (a 0600 temp file the build script creates and deletes)."
}

variable "ssh_public_key" {
  type        = string
  description = "Public half of ssh_private_key_file, put on the answer-file CD for OpenSSH."
}

variable "iso_storage_pool" {
  type        = string
  description = "Storage that accepts ISO uploads, for the generated answer-file CD (proxmox.storage.images)."
}

variable "drivers_iso_file" {
  type        = string
  description = "The VirtIO drivers ISO on the images storage (<storage>:iso/<file>), from images.windows.drivers."

  validation {
    condition     = can(regex("^[^:]+:iso/.+[.]iso$", var.drivers_iso_file))
    error_message = "The drivers_iso_file must be a Proxmox ISO volume, <storage>:iso/<file>.iso."
  }
}

variable "autounattend_xml" {
  type        = string
  sensitive   = true
  description = "The answer file, rendered by @infra/unattend from images.windows.unattend with this build's password."
}

variable "build_password" {
  type        = string
  sensitive   = true
  description = "One-time Administrator password of this build (cloudbase-init sets each clone's own)."
}

variable "communicator" {
  type        = string
  default     = "winrm"
  description = "How Packer reaches the VM: winrm (HTTPS) or ssh (images.windows.unattend.communicator)."

  validation {
    condition     = contains(["winrm", "ssh"], var.communicator)
    error_message = "The communicator must be winrm or ssh."
  }
}

variable "cloudbase_init_url" {
  type        = string
  description = "The cloudbase-init MSI (images.windows.cloudbaseInit.url)."
}

variable "cloudbase_init_sha256" {
  type        = string
  description = "Its SHA-256, upper-case hex as Get-FileHash prints it (images.windows.cloudbaseInit.checksum)."

  validation {
    condition     = can(regex("^[0-9A-F]{64}$", var.cloudbase_init_sha256))
    error_message = "The cloudbase_init_sha256 must be 64 upper-case hex digits."
  }
}
