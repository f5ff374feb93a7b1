# Rolling upgrades. A new installer (talos_version or the template's schematic changed) is taken by every node,
# one at a time (control planes first, then workers, each by hostname), with the real talosctl; a node already
# on the target version and schematic is skipped, so creating the cluster upgrades nothing. The schematic stays
# the template's, so the extensions (qemu-guest-agent, NVIDIA) survive the upgrade.
resource "terraform_data" "talos_upgrade" {
  count = local.running ? 1 : 0

  triggers_replace = {
    installer = local.installer
    nodes     = join(",", concat(local.control_plane_ips, local.worker_ips))
  }

  provisioner "local-exec" {
    command     = "${path.module}/scripts/rolling-upgrade.sh"
    interpreter = ["/bin/sh"]
    environment = {
      TALOSCONFIG_CONTENT = data.talos_client_configuration.this.talos_config
      TALOSCTL            = var.upgrade.talosctl
      INSTALLER           = local.installer
      TARGET_VERSION      = var.talos_version
      TARGET_SCHEMATIC    = var.template.schematic_id
      NODES               = join(" ", concat(local.control_plane_ips, local.worker_ips))
      TIMEOUT_SECONDS     = tostring(var.upgrade.timeout_seconds)
      # Draining needs the Kubernetes API, which the health gate's skip_kubernetes_checks says is not there.
      DRAIN = tostring(var.upgrade.drain && !var.health.skip_kubernetes_checks)
    }
  }

  depends_on = [talos_cluster_kubeconfig.this]
}
