output "talosconfig" {
  description = "talosctl client configuration; the stage writes it to a 0600 file."
  value       = module.cluster.talosconfig
  sensitive   = true
}

output "kubeconfig" {
  description = "Admin kubeconfig; the stage writes it to a 0600 file."
  value       = module.cluster.kubeconfig
  sensitive   = true
}

output "machine_configurations" {
  description = "Rendered machine configs per node, for `talosctl validate`."
  value       = module.cluster.machine_configurations
  sensitive   = true
}

output "nodes" {
  description = "Per node: role, IP, VMID, Proxmox node, GPU."
  value       = module.cluster.nodes
}

output "cluster_endpoint" {
  description = "Kubernetes API endpoint."
  value       = module.cluster.cluster_endpoint
}

output "installer" {
  description = "Installer image the nodes run."
  value       = module.cluster.installer
}
