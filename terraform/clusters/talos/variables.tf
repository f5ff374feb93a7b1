variable "state_passphrase" {
  description = "Passphrase of the state and plan encryption (SOPS: tofu.statePassphrase; the stage passes it as TF_VAR_state_passphrase)."
  type        = string
  sensitive   = true
}

variable "proxmox_endpoint" {
  description = "Proxmox VE API endpoint (the embedded simulator's URL for `endpoint: embedded`)."
  type        = string
}

variable "proxmox_api_token" {
  description = "API token as user@realm!tokenid=secret, from the environment's SOPS file (TF_VAR_proxmox_api_token)."
  type        = string
  sensitive   = true
}

variable "proxmox_insecure" {
  description = "Skip TLS verification (never set by the stage: it hands tofu the pinned certificate)."
  type        = bool
  default     = false
}

variable "bridge" {
  description = "Linux bridge for the node NICs (infra.config.yaml: proxmox.bridge)."
  type        = string
}

variable "disk_datastore_id" {
  description = "Storage for VM disks (infra.config.yaml: proxmox.storage.disks)."
  type        = string
}

variable "templates" {
  description = "Clone sources the stage found by fingerprint tag: templates.talos.<proxmox node> = { vm_id, node_name }."
  type = map(map(object({
    vm_id     = number
    node_name = string
  })))
}

variable "talos_version" {
  description = "Talos version (infra.config.yaml: talos.version); the template has it, the nodes run it."
  type        = string
}

variable "template_talos_version" {
  description = "Talos version of the template found (null = talos_version); lower than talos_version while an upgrade is pending a new template."
  type        = string
  default     = null
}

variable "talos_platform" {
  description = "Image Factory platform of the template and installer (infra.config.yaml: talos.platform)."
  type        = string
  default     = "nocloud"
}

variable "installer_host" {
  description = "Registry host of the factory installer images."
  type        = string
  default     = "factory.talos.dev"
}

variable "schematic_id" {
  description = "Image Factory schematic ID of talos/schematic.yaml (the template's)."
  type        = string
}

variable "gpu_mapping" {
  description = "PCI resource mapping of the GPU (infra.config.yaml: gpu.mapping)."
  type        = string
  default     = null
}

variable "cluster" {
  description = "infra.config.yaml: environments.<env>.cluster, in the module's terms (nodes keyed by hostname)."
  type = object({
    name               = string
    endpoint           = optional(string)
    kubernetes_version = optional(string)
    nodes = map(object({
      role  = string
      node  = string
      vm_id = number
      ip    = string
      size  = optional(string, "medium")
      gpu   = optional(bool, false)
    }))
    sizes = optional(map(object({
      cores      = number
      memory_mib = number
      disk_gib   = number
    })))
    network = object({
      prefix_length = number
      gateway       = string
      dns_servers   = optional(list(string), [])
    })
    health = optional(object({
      timeout                = optional(string, "10m")
      skip_kubernetes_checks = optional(bool, false)
    }), {})
  })
}

variable "config_patches" {
  description = "Contents of the machine-config patches for every node (infra.config.yaml: talos.patches, without the NVIDIA one)."
  type        = list(string)
  default     = []
}

variable "gpu_config_patches" {
  description = "Contents of the NVIDIA machine-config patches, for GPU workers only."
  type        = list(string)
  default     = []
}

variable "inline_manifests" {
  description = "Manifests for the control planes' cluster.inlineManifests (infra.config.yaml: cluster.inlineManifests, rendered by the platform stage)."
  type = list(object({
    name     = string
    contents = string
  }))
  default = []
}

variable "talosctl" {
  description = "talosctl used for rolling upgrades (the toolchain's, on PATH)."
  type        = string
  default     = "talosctl"
}
