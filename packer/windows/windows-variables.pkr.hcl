# Windows's own variables (the shared ones are in variables.pkr.hcl, generated): the drivers ISO, the answer
# file with this build's one-time password, the communicator and cloudbase-init's pin.

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
