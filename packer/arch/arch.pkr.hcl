# Arch golden template: clone the base VM that scripts/build-image.ts imported from Arch Linux's official cloud
# image (qcow2; download-url content=import + create with import-from), boot it with a NoCloud seed ISO
# (cloud-init/user-data.yaml), run the distribution-neutral Ansible roles (the Ansible provisioner) over SSH,
# clean up, convert to a template.

locals {
  repo_root     = abspath("${path.root}/../..")
  template_name = "arch-${var.arch_version}-golden"
  seed_user_data = templatefile("${path.root}/cloud-init/user-data.yaml", {
    build_user     = var.build_user
    ssh_public_key = var.ssh_public_key
  })
}

source "proxmox-clone" "arch" {
  proxmox_url              = var.proxmox_url
  username                 = var.proxmox_username
  token                    = var.proxmox_token
  insecure_skip_tls_verify = var.proxmox_insecure_skip_tls_verify
  node                     = var.node
  task_timeout             = "10m"

  clone_vm_id = var.base_vm_id
  full_clone  = true

  vm_id                = var.template_vm_id
  vm_name              = "${local.template_name}-build"
  template_name        = local.template_name
  template_description = "Arch ${var.arch_version} golden image from ${var.source_image_url}; admin, ssh_hardening and guest_services roles applied by infra (packer/arch)."
  tags                 = "infra;arch;golden"

  os              = "l26"
  cores           = var.cores
  sockets         = var.sockets
  memory          = var.memory_mib
  cpu_type        = var.cpu_type
  machine         = var.machine
  bios            = var.bios
  scsi_controller = var.scsi_controller
  qemu_agent      = true
  serials         = ["socket"]

  network_adapters {
    model  = "virtio"
    bridge = var.bridge
  }

  # NoCloud seed for the first boot: the build user with the ephemeral key, and qemu-guest-agent so Packer can
  # read the VM's address. Removed again after the build.
  additional_iso_files {
    type             = "ide"
    iso_storage_pool = var.iso_storage_pool
    cd_label         = "cidata"
    cd_content = {
      "user-data" = local.seed_user_data
      "meta-data" = "instance-id: ${local.template_name}-build\nlocal-hostname: ${local.template_name}-build\n"
    }
    unmount = true
  }

  # An empty cloud-init drive on the finished template, so clones get their own user, keys and network.
  cloud_init              = true
  cloud_init_storage_pool = var.disk_storage_pool

  communicator         = "ssh"
  ssh_username         = var.build_user
  ssh_private_key_file = var.ssh_private_key_file
  ssh_timeout          = "15m"
}

build {
  sources = ["source.proxmox-clone.arch"]

  provisioner "shell" {
    inline = ["cloud-init status --wait || test $? -eq 2"]
  }

  # The baseline over SSH from the build host, as the build user with the build's ephemeral key (no proxy: the
  # VM has an address Packer reached).
  provisioner "ansible" {
    playbook_file = "${local.repo_root}/ansible/playbooks/arch.yml"
    user          = var.build_user
    use_proxy     = false
    ansible_env_vars = [
      "ANSIBLE_CONFIG=${local.repo_root}/ansible/ansible.cfg",
      "ANSIBLE_HOST_KEY_CHECKING=False",
    ]
    extra_arguments = ["--extra-vars", jsonencode({ admin_user = var.admin_user, admin_ssh_keys = var.admin_ssh_keys })]
  }

  # Generalise: clones must run cloud-init again and get their own machine-id and SSH host keys.
  provisioner "shell" {
    inline = [
      "sudo cloud-init clean --logs --seed --machine-id",
      "sudo rm -f /etc/ssh/ssh_host_*",
      "sudo rm -f /etc/sudoers.d/90-cloud-init-users",
      "sudo userdel --force --remove ${var.build_user}",
    ]
    expect_disconnect = true
  }
}
