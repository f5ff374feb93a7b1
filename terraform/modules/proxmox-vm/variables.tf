variable "name" {
  description = "VM name; must be a valid DNS label (Proxmox uses it as the guest hostname via cloud-init)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", var.name))
    error_message = "name must be a DNS label: lowercase letters, digits and '-', 1-63 characters, e.g. \"gpu-worker-1\"."
  }
}

variable "node_name" {
  description = "Proxmox node that runs the VM."
  type        = string
}

variable "vm_id" {
  description = "VMID of the new VM; null lets Proxmox pick the next free one."
  type        = number
  default     = null

  validation {
    condition     = var.vm_id == null || (var.vm_id >= 100 && var.vm_id <= 999999999)
    error_message = "vm_id must be between 100 and 999999999 (Proxmox VMID range)."
  }
}

variable "description" {
  description = "Free-text description shown in the Proxmox UI."
  type        = string
  default     = "Managed by OpenTofu (infra/terraform/modules/proxmox-vm)"
}

variable "tags" {
  description = "Proxmox tags. Lowercase; Proxmox sorts them and would otherwise show a diff on every plan."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for tag in var.tags : can(regex("^[a-z0-9_][a-z0-9_.+-]*$", tag))])
    error_message = "tags must be lowercase and contain only a-z, 0-9, '_', '.', '+', '-'."
  }
}

variable "template" {
  description = "The golden template to clone (built by packer/<os> or scripts/build-image.ts). full = false makes a linked clone."
  type = object({
    vm_id     = number
    node_name = optional(string)
    full      = optional(bool, true)
  })

  validation {
    condition     = var.template.vm_id >= 100 && var.template.vm_id <= 999999999
    error_message = "template.vm_id must be between 100 and 999999999."
  }
}

variable "cpu" {
  description = "vCPU layout. type = \"host\" exposes every host CPU flag (needed by the NVIDIA driver); use x86-64-v2-AES for live migration between different CPUs."
  type = object({
    cores   = number
    sockets = optional(number, 1)
    type    = optional(string, "host")
  })
  default = { cores = 2 }

  validation {
    condition     = var.cpu.cores >= 1 && var.cpu.sockets >= 1
    error_message = "cpu.cores and cpu.sockets must be at least 1."
  }
}

variable "memory" {
  description = "Memory in MiB. floating_mib = 0 disables the balloon device, which PCI passthrough requires (all guest RAM is pinned)."
  type = object({
    dedicated_mib = number
    floating_mib  = optional(number, 0)
  })
  default = { dedicated_mib = 2048 }

  validation {
    condition     = var.memory.dedicated_mib >= 256 && var.memory.floating_mib <= var.memory.dedicated_mib
    error_message = "memory.dedicated_mib must be >= 256 and memory.floating_mib must not exceed it."
  }
}

variable "disk" {
  description = "Boot disk. The clone's disk is resized to size_gib (it can only grow)."
  type = object({
    datastore_id = string
    size_gib     = number
    interface    = optional(string, "scsi0")
    discard      = optional(bool, true)
    iothread     = optional(bool, true)
    ssd          = optional(bool, true)
  })

  validation {
    condition     = var.disk.size_gib >= 1 && can(regex("^(scsi|virtio|sata)[0-9]+$", var.disk.interface))
    error_message = "disk.size_gib must be >= 1 and disk.interface like scsi0, virtio0 or sata0."
  }
}

variable "network" {
  description = "The VM's single NIC: a Linux bridge on the node and an optional VLAN tag."
  type = object({
    bridge  = string
    vlan_id = optional(number)
    model   = optional(string, "virtio")
  })
  default = { bridge = "vmbr0" }

  validation {
    condition     = var.network.vlan_id == null || (var.network.vlan_id >= 1 && var.network.vlan_id <= 4094)
    error_message = "network.vlan_id must be between 1 and 4094."
  }
}

variable "cloud_init" {
  description = "cloud-init (NoCloud drive): the login user, its SSH public keys, and the IPv4 config (\"dhcp\" or a CIDR address plus gateway)."
  type = object({
    datastore_id    = string
    username        = string
    ssh_public_keys = list(string)
    ipv4_address    = optional(string, "dhcp")
    ipv4_gateway    = optional(string)
    dns_servers     = optional(list(string), [])
    dns_domain      = optional(string)
  })

  validation {
    condition     = length(var.cloud_init.ssh_public_keys) > 0 && alltrue([for key in var.cloud_init.ssh_public_keys : can(regex("^(ssh-(ed25519|rsa)|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh.com) ", key))])
    error_message = "cloud_init.ssh_public_keys must hold at least one OpenSSH public key line (ssh-ed25519 AAAA...)."
  }

  validation {
    condition     = var.cloud_init.ipv4_address == "dhcp" || (can(cidrhost(var.cloud_init.ipv4_address, 0)) && var.cloud_init.ipv4_gateway != null)
    error_message = "cloud_init.ipv4_address must be \"dhcp\" or a CIDR address like 192.168.1.50/24, and a static address needs cloud_init.ipv4_gateway."
  }
}

variable "machine" {
  description = "QEMU machine type. q35 is required for PCIe passthrough (pcie = true)."
  type        = string
  default     = "q35"

  validation {
    condition     = can(regex("^(q35|pc)(-[0-9a-z.+]+)?$", var.machine))
    error_message = "machine must be q35 or pc, optionally versioned (e.g. pc-q35-10.0)."
  }
}

variable "bios" {
  description = "Firmware: ovmf (UEFI, needed by modern GPUs and Talos) or seabios."
  type        = string
  default     = "ovmf"

  validation {
    condition     = contains(["ovmf", "seabios"], var.bios)
    error_message = "bios must be \"ovmf\" or \"seabios\"."
  }
}

variable "gpu" {
  description = "Optional PCI passthrough by cluster resource mapping (Datacenter > Resource Mappings), which a non-root API token may attach. null = no GPU."
  type = object({
    mapping     = string
    device      = optional(string, "hostpci0")
    rombar      = optional(bool, true)
    primary_gpu = optional(bool, false)
  })
  default = null

  validation {
    condition     = var.gpu == null || can(regex("^hostpci[0-9]+$", var.gpu.device))
    error_message = "gpu.device must look like hostpci0."
  }
}

variable "started" {
  description = "Start the VM after creating it."
  type        = bool
  default     = true
}

variable "on_boot" {
  description = "Start the VM when the Proxmox node boots."
  type        = bool
  default     = true
}
