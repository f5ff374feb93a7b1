variable "cluster_name" {
  description = "Cluster name (kubeconfig context, talosconfig context, VM tag)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", var.cluster_name))
    error_message = "cluster_name must be a DNS label: lowercase letters, digits and '-', e.g. \"homelab\"."
  }
}

variable "nodes" {
  description = <<-EOT
    The cluster's machines, keyed by hostname. role: controlplane or worker; node: the Proxmox node that runs
    it; vm_id: its VMID; ip: its static IPv4 address (without prefix); size: a key of var.sizes; gpu = true
    attaches the GPU by resource mapping (var.gpu_mapping) and applies var.gpu_config_patches to the node.
    One control plane by default; three for high availability (never two: etcd needs a majority). An empty map
    removes every VM and keeps the machine secrets (the cluster stage's destroy), so the next apply brings the
    same cluster back.
  EOT
  type = map(object({
    role  = string
    node  = string
    vm_id = number
    ip    = string
    size  = optional(string, "medium")
    gpu   = optional(bool, false)
  }))

  validation {
    condition     = alltrue([for name, n in var.nodes : can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", name))])
    error_message = "nodes: each key is the node's hostname and must be a DNS label (lowercase letters, digits, '-'), e.g. \"cp-1\"."
  }
  validation {
    condition     = alltrue([for n in var.nodes : contains(["controlplane", "worker"], n.role)])
    error_message = "nodes.<name>.role must be \"controlplane\" or \"worker\"."
  }
  validation {
    condition     = length(var.nodes) == 0 || contains([1, 3, 5], length([for n in var.nodes : n if n.role == "controlplane"]))
    error_message = "nodes: the cluster needs 1, 3 or 5 control planes (etcd needs a majority: 2 control planes survive no failure better than 1 and double the chance of losing quorum); found ${length([for n in var.nodes : n if n.role == "controlplane"])}."
  }
  validation {
    condition     = alltrue([for n in var.nodes : can(cidrhost("${n.ip}/32", 0)) && !strcontains(n.ip, "/")])
    error_message = "nodes.<name>.ip must be a plain IPv4 address like 192.168.1.21 (the prefix length comes from network.prefix_length)."
  }
  validation {
    condition     = length(distinct([for n in var.nodes : n.ip])) == length(var.nodes)
    error_message = "nodes: two nodes share an IP address (${join(", ", distinct([for ip in [for n in var.nodes : n.ip] : ip if length([for n in var.nodes : n if n.ip == ip]) > 1]))}); give each node its own."
  }
  validation {
    condition     = length(distinct([for n in var.nodes : n.vm_id])) == length(var.nodes)
    error_message = "nodes: two nodes share a VMID; give each node its own vm_id."
  }
  validation {
    condition     = alltrue([for n in var.nodes : n.vm_id >= 100 && n.vm_id <= 999999999])
    error_message = "nodes.<name>.vm_id must be between 100 and 999999999 (the Proxmox VMID range)."
  }
  validation {
    condition     = alltrue([for n in var.nodes : !(n.gpu && n.role == "controlplane")])
    error_message = "nodes: gpu = true is for workers; a control plane keeps the GPU taint-free workloads away from etcd."
  }
}

variable "gpu_mapping" {
  description = "Cluster PCI resource mapping of the GPU (Datacenter > Resource Mappings; scripts/gpu-host.ts map creates it). Required when a node has gpu = true."
  type        = string
  default     = null

  validation {
    condition     = var.gpu_mapping != null || alltrue([for n in var.nodes : !n.gpu])
    error_message = "gpu_mapping is not set, but nodes ${join(", ", [for name, n in var.nodes : name if n.gpu])} have gpu = true: set gpu_mapping to the PCI resource mapping (infra.config.yaml: gpu.mapping, created by `pnpm tsx scripts/gpu-host.ts map`)."
  }
}

variable "sizes" {
  description = "VM sizes nodes refer to by name: vCPU cores, memory in MiB, system disk in GiB."
  type = map(object({
    cores      = number
    memory_mib = number
    disk_gib   = number
  }))
  nullable = false
  default = {
    small  = { cores = 2, memory_mib = 4096, disk_gib = 32 }
    medium = { cores = 4, memory_mib = 8192, disk_gib = 64 }
    large  = { cores = 8, memory_mib = 16384, disk_gib = 128 }
    gpu    = { cores = 8, memory_mib = 32768, disk_gib = 128 }
  }

  validation {
    condition     = alltrue([for s in var.sizes : s.cores >= 2 && s.memory_mib >= 2048 && s.disk_gib >= 10])
    error_message = "sizes: Talos needs at least 2 cores, 2048 MiB and a 10 GiB disk per node."
  }
}

variable "template" {
  description = <<-EOT
    The content-addressed Talos template (scripts/build-image.ts finds it by its fingerprint tag): its Talos
    version and Image Factory schematic, and the VM to clone per Proxmox node (a node-local template, or one on
    shared storage).
  EOT
  type = object({
    talos_version = string
    schematic_id  = string
    clones = map(object({
      vm_id     = number
      node_name = string
    }))
  })

  validation {
    condition     = can(regex("^[0-9a-f]{64}$", var.template.schematic_id))
    error_message = "template.schematic_id must be a 64-hex Image Factory schematic ID (pnpm tsx scripts/talos.ts schematic-id talos/schematic.yaml)."
  }
}

variable "talos_version" {
  description = "Talos version the nodes run. Raising it upgrades the nodes one at a time with the factory installer of the same schematic."
  type        = string

  validation {
    condition     = can(regex("^v[0-9]+\\.[0-9]+\\.[0-9]+$", var.talos_version))
    error_message = "talos_version must look like v1.13.9."
  }
}

variable "kubernetes_version" {
  description = "Kubernetes version; null = the default of the Talos version contract."
  type        = string
  default     = null
}

variable "cluster_endpoint" {
  description = "Kubernetes API endpoint; null = https://<first control plane's IP>:6443 (set a VIP or DNS name for three control planes)."
  type        = string
  default     = null
}

variable "installer" {
  description = "Image Factory registry host and platform of the installer image: <host>/<platform>-installer/<schematic>:<version>."
  type = object({
    host     = optional(string, "factory.talos.dev")
    platform = optional(string, "nocloud")
  })
  nullable = false
  default  = {}
}

variable "network" {
  description = "Node network: the prefix length of the node IPs, the gateway, DNS servers, bridge and optional VLAN (applied through the nocloud cloud-init drive)."
  type = object({
    prefix_length = number
    gateway       = string
    dns_servers   = optional(list(string), [])
    bridge        = optional(string, "vmbr0")
    vlan_id       = optional(number)
  })

  validation {
    condition     = var.network.prefix_length >= 1 && var.network.prefix_length <= 32 && can(cidrhost("${var.network.gateway}/32", 0))
    error_message = "network.prefix_length must be 1-32 and network.gateway an IPv4 address."
  }
}

variable "disk_datastore_id" {
  description = "Storage for the VM disks (infra.config.yaml: proxmox.storage.disks)."
  type        = string
}

variable "config_patches" {
  description = "Machine-config patches (YAML) for every node, in order: the project's talos/patches (qemu-guest-agent, install disk)."
  type        = list(string)
  nullable    = false
  default     = []
}

variable "gpu_config_patches" {
  description = "Machine-config patches for GPU workers only: talos/patches/nvidia.yaml (NVIDIA kernel modules and sysctls) and talos/patches/nvidia-gpu-node.yaml (the GPU node label and taint, defined only there)."
  type        = list(string)
  nullable    = false
  default     = []
}

variable "inline_manifests" {
  description = "Kubernetes manifests the control planes apply at bootstrap (cluster.inlineManifests), e.g. the nvidia RuntimeClass and device plugin."
  type = list(object({
    name     = string
    contents = string
  }))
  nullable = false
  default  = []

  validation {
    condition     = length(distinct([for m in var.inline_manifests : m.name])) == length(var.inline_manifests)
    error_message = "inline_manifests: names must be unique."
  }
}

variable "health" {
  description = "The health gate after bootstrap: timeout, and whether to skip the Kubernetes checks (the simulator serves Talos' API only)."
  type = object({
    timeout                = optional(string, "10m")
    skip_kubernetes_checks = optional(bool, false)
  })
  nullable = false
  default  = {}
}

variable "upgrade" {
  description = "Rolling upgrades: talosctl binary, how long one node may take to come back on the new version, and whether to drain each node through Kubernetes first (never when health.skip_kubernetes_checks)."
  type = object({
    talosctl        = optional(string, "talosctl")
    timeout_seconds = optional(number, 900)
    drain           = optional(bool, true)
  })
  nullable = false
  default  = {}
}
