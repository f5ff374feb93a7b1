locals {
  control_planes = { for name, n in var.nodes : name => n if n.role == "controlplane" }
  workers        = { for name, n in var.nodes : name => n if n.role == "worker" }
  # Sorted by hostname, so the bootstrap node and the upgrade order are stable.
  control_plane_names = sort(keys(local.control_planes))
  worker_names        = sort(keys(local.workers))
  control_plane_ips   = [for name in local.control_plane_names : var.nodes[name].ip]
  worker_ips          = [for name in local.worker_names : var.nodes[name].ip]
  # No nodes: the VMs are gone, the secrets stay (see var.nodes).
  running      = length(var.nodes) > 0
  bootstrap_ip = local.running ? local.control_plane_ips[0] : null

  cluster_endpoint = local.running ? coalesce(var.cluster_endpoint, "https://${local.bootstrap_ip}:6443") : coalesce(var.cluster_endpoint, "https://unset:6443")

  # The factory installer of the template's schematic: upgrades keep the extensions (qemu-guest-agent, NVIDIA).
  installer = "${var.installer.host}/${var.installer.platform}-installer/${var.template.schematic_id}:${var.talos_version}"

  # v1.13.9 -> 1013009, to compare versions (HCL has no semver).
  talos_version_number    = sum([for i, part in split(".", trimprefix(var.talos_version, "v")) : tonumber(part) * pow(1000, 2 - i)])
  template_version_number = sum([for i, part in split(".", trimprefix(var.template.talos_version, "v")) : tonumber(regex("^[0-9]+", part)) * pow(1000, 2 - i)])

  # Generated last, so they win over the project's patches (strategic merge: later patches override).
  install_image_patch = yamlencode({ machine = { install = { image = local.installer } } })
  # Talos 1.13 configs carry a HostnameConfig document (auto: stable); a static name replaces it.
  hostname_patch = { for name, n in var.nodes : name => yamlencode({
    apiVersion = "v1alpha1"
    kind       = "HostnameConfig"
    auto       = "off"
    hostname   = name
  }) }
  inline_manifests_patch = yamlencode({ cluster = { inlineManifests = var.inline_manifests } })

  node_patches = { for name, n in var.nodes : name => concat(
    var.config_patches,
    # The GPU node's label and taint come with them (talos/patches/nvidia-gpu-node.yaml, their one definition).
    n.gpu ? var.gpu_config_patches : [],
    n.role == "controlplane" && length(var.inline_manifests) > 0 ? [local.inline_manifests_patch] : [],
    [local.install_image_patch, local.hostname_patch[name]],
  ) }
}
