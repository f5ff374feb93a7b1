output "talosconfig" {
  description = "talosctl client configuration (endpoints: the control planes). Write it to a 0600 file; never print it."
  value       = data.talos_client_configuration.this.talos_config
  sensitive   = true
}

output "kubeconfig" {
  description = "Admin kubeconfig of the cluster. Write it to a 0600 file; never print it."
  value       = one(talos_cluster_kubeconfig.this[*].kubeconfig_raw)
  sensitive   = true
}

output "machine_configurations" {
  description = "The rendered machine config per node (holds the cluster's secrets), for `talosctl validate`."
  value       = { for name, c in data.talos_machine_configuration.node : name => c.machine_configuration }
  sensitive   = true
}

output "nodes" {
  description = "Per node: role, IP, VMID, Proxmox node and whether it has the GPU."
  value = { for name, n in var.nodes : name => {
    role  = n.role
    ip    = n.ip
    vm_id = proxmox_virtual_environment_vm.node[name].vm_id
    node  = n.node
    gpu   = n.gpu
  } }
}

output "cluster_endpoint" {
  description = "The Kubernetes API endpoint."
  value       = local.cluster_endpoint
}

output "installer" {
  description = "The installer image every node runs (factory installer of the template's schematic)."
  value       = local.installer
}

output "health" {
  description = "Nodes the health gate checked (read after bootstrap and every upgrade)."
  value = local.running ? {
    control_plane_nodes = one(data.talos_cluster_health.this[*].control_plane_nodes)
    worker_nodes        = one(data.talos_cluster_health.this[*].worker_nodes)
  } : null
}
