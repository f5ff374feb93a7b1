output "vm_id" {
  description = "The VMID Proxmox assigned."
  value       = proxmox_virtual_environment_vm.this.vm_id
}

output "name" {
  description = "The VM name."
  value       = proxmox_virtual_environment_vm.this.name
}

output "node_name" {
  description = "The node the VM runs on."
  value       = proxmox_virtual_environment_vm.this.node_name
}

output "ipv4_addresses" {
  description = "IPv4 addresses per interface, as reported by the QEMU guest agent (empty until the agent answers)."
  value       = proxmox_virtual_environment_vm.this.ipv4_addresses
}

output "mac_addresses" {
  description = "MAC addresses of the VM's network interfaces."
  value       = proxmox_virtual_environment_vm.this.mac_addresses
}
