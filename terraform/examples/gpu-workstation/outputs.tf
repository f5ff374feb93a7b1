output "gpu_workstation" {
  description = "VMID, node and guest-agent IPv4 addresses of the GPU workstation."
  value = {
    vm_id          = module.gpu_workstation.vm_id
    node_name      = module.gpu_workstation.node_name
    ipv4_addresses = module.gpu_workstation.ipv4_addresses
  }
}
