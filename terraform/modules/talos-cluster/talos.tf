# The cluster PKI. It lives only in the (encrypted) state; losing it means a new cluster.
resource "talos_machine_secrets" "this" {
  talos_version = var.talos_version

  lifecycle {
    prevent_destroy = true
    # The provider replaces the secrets (a new PKI, the cluster is lost) when talos_version goes down. The
    # version stored here is the config contract, fixed at creation; upgrades change var.talos_version only.
    ignore_changes = [talos_version]
  }
}

# The TKS trap, guarded: a talos_version lower than the one the secrets were made for is refused at plan time.
resource "terraform_data" "talos_version_guard" {
  input = var.talos_version

  lifecycle {
    precondition {
      condition = local.talos_version_number >= sum([
        for i, part in split(".", trimprefix(talos_machine_secrets.this.talos_version, "v")) : tonumber(regex("^[0-9]+", part)) * pow(1000, 2 - i)
      ])
      error_message = "talos_version ${var.talos_version} is lower than the Talos version this cluster's machine secrets were generated for (${talos_machine_secrets.this.talos_version}). Downgrading would make the provider replace the secrets (a new PKI) and lock every node out; keep talos_version at or above ${talos_machine_secrets.this.talos_version}."
    }
  }
}

data "talos_machine_configuration" "node" {
  for_each = var.nodes

  cluster_name       = var.cluster_name
  cluster_endpoint   = local.cluster_endpoint
  machine_type       = each.value.role
  machine_secrets    = talos_machine_secrets.this.machine_secrets
  talos_version      = talos_machine_secrets.this.talos_version
  kubernetes_version = var.kubernetes_version
  config_patches     = local.node_patches[each.key]
  docs               = false
  examples           = false
}

data "talos_client_configuration" "this" {
  cluster_name         = var.cluster_name
  client_configuration = talos_machine_secrets.this.client_configuration
  endpoints            = local.control_plane_ips
  nodes                = local.control_plane_ips
}

resource "talos_machine_configuration_apply" "node" {
  for_each = var.nodes

  client_configuration        = talos_machine_secrets.this.client_configuration
  machine_configuration_input = data.talos_machine_configuration.node[each.key].machine_configuration
  node                        = each.value.ip
  endpoint                    = each.value.ip
  apply_mode                  = "auto"

  depends_on = [proxmox_virtual_environment_vm.node, terraform_data.talos_version_guard]
}

resource "talos_machine_bootstrap" "this" {
  count = local.running ? 1 : 0

  client_configuration = talos_machine_secrets.this.client_configuration
  node                 = local.bootstrap_ip
  endpoint             = local.bootstrap_ip

  depends_on = [talos_machine_configuration_apply.node]
}

resource "talos_cluster_kubeconfig" "this" {
  count = local.running ? 1 : 0

  client_configuration = talos_machine_secrets.this.client_configuration
  node                 = local.bootstrap_ip
  endpoint             = local.bootstrap_ip

  depends_on = [talos_machine_bootstrap.this]
}

# The health gate: etcd, apid, kubelet, members, boot sequence (and Kubernetes unless skipped) on every node.
data "talos_cluster_health" "this" {
  count = local.running ? 1 : 0

  client_configuration   = data.talos_client_configuration.this.client_configuration
  control_plane_nodes    = local.control_plane_ips
  worker_nodes           = local.worker_ips
  endpoints              = local.control_plane_ips
  skip_kubernetes_checks = var.health.skip_kubernetes_checks
  timeouts = {
    read = var.health.timeout
  }

  depends_on = [talos_cluster_kubeconfig.this, terraform_data.talos_upgrade]
}
