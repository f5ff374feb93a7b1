output "talos_nodes" {
  description = "VMID, node and guest-agent IPv4 addresses of each Talos VM."
  value = {
    for vm in module.talos_node : vm.name => {
      vm_id          = vm.vm_id
      node_name      = vm.node_name
      ipv4_addresses = vm.ipv4_addresses
    }
  }
}
