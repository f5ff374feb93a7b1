// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these are HCL interpolations, not JS templates
/**
 * A small but complete IaC tree for the integration tests and the benchmark's fixture mode: four images
 * (debian runs role baseline through a playbook, arch runs role common directly, ubuntu runs role docker,
 * talos is API-built), a role dependency (baseline → common, so common is shared by debian and arch), Molecule
 * scenarios for baseline and common, a module used by an environment and one that is not, Talos patches,
 * secrets, READMEs, the config file, validator and Molecule scripts over workspace libs, and Kubernetes
 * components (a cluster-critical chart the Talos machine config carries, an app, and the Flux Kustomizations
 * delivering it).
 */
export const FIXTURE_TREE: Readonly<Record<string, string>> = {
  '.gitignore': 'node_modules\n.nx\n',
  'README.md': '# fixture\n',
  'docs/architecture.md': '# architecture\n',
  'mise.toml': '[tools]\nnode = "24.21.0"\npacker = "1.14.2"\n',
  '.tflint.hcl': 'config {\n  call_module_type = "local"\n}\n',
  'pnpm-workspace.yaml': 'packages:\n  - "libs/*"\n',
  'infra.config.yaml': [
    'catalog:',
    '  proxmox: { node: pve, bridge: vmbr0 }',
    '  talos: { version: v1.13.9 }',
    'environments:',
    '  local:',
    '    proxmox: { endpoint: embedded }',
    '  prod:',
    '    extends: local',
    '    proxmox: { endpoint: "https://pve.lan:8006" }',
    '',
  ].join('\n'),

  'scripts/validate.ts':
    "import { check } from '@infra/validators';\nimport { report } from './lib/report';\n\nreport(check());\n",
  'scripts/molecule.ts': "import { report } from './lib/report';\n\nreport(true);\n",
  'scripts/lib/report.ts': 'export function report(ok: boolean): void {\n  console.log(ok);\n}\n',
  'libs/validators/package.json': JSON.stringify({
    name: '@infra/validators',
    private: true,
    type: 'module',
    exports: { '.': './src/index.ts' },
    dependencies: { '@infra/core': 'workspace:*', zod: '4.6.7' },
  }),
  'libs/validators/src/index.ts':
    "import { log } from '@infra/core';\n\nexport function check(): boolean {\n  log('check');\n  return true;\n}\n",
  'libs/validators/src/index.test.ts': "import { check } from './index';\n\ncheck();\n",
  'libs/core/package.json': JSON.stringify({
    name: '@infra/core',
    private: true,
    exports: { '.': './src/index.ts' },
  }),
  'libs/core/src/index.ts': 'export function log(message: string): void {\n  console.error(message);\n}\n',
  'libs/other/package.json': JSON.stringify({
    name: '@infra/other',
    private: true,
    exports: { '.': './src/index.ts' },
  }),
  'libs/other/src/index.ts': 'export const other = 1;\n',

  'packer/debian/debian.pkr.hcl': [
    'source "proxmox-clone" "debian" {',
    '  vm_name        = "debian-13"',
    '  http_directory = "${path.root}/cloud-init"',
    '}',
    '',
    'build {',
    '  sources = ["source.proxmox-clone.debian"]',
    '  provisioner "ansible" {',
    '    playbook_file = "${path.root}/../../ansible/playbooks/debian.yml" # the image playbook',
    '  }',
    '}',
    '',
  ].join('\n'),
  'packer/debian/cloud-init/user-data': '#cloud-config\npackage_update: true\n',
  'packer/debian/README.md': '# debian image\n',
  'packer/ubuntu/ubuntu.pkr.hcl': [
    'locals {',
    '  repo = "${path.root}/../.."',
    '}',
    '',
    'build {',
    '  provisioner "ansible" {',
    '    playbook_file   = "${local.repo}/ansible/playbooks/ubuntu.yml"',
    '    extra_arguments = ["--extra-vars", "x=1"]',
    '  }',
    '}',
    '',
  ].join('\n'),
  'packer/arch/arch.pkr.hcl': [
    'build {',
    '  provisioner "ansible" {',
    '    playbook_file = "${path.root}/../../ansible/playbooks/arch.yml"',
    '  }',
    '}',
    '',
  ].join('\n'),
  // An ISO install (like NixOS): the shared proxmox-iso source rendered from packer/_shared, the OS's own build
  // block, its Nix configuration; no playbook, so no role reaches it.
  'packer/nixos/source.pkr.hcl': 'source "proxmox-iso" "nixos" {\n  vm_name = "nixos"\n}\n',
  'packer/nixos/nixos.pkr.hcl': [
    'build {',
    '  source "proxmox-iso.nixos" {',
    '    http_content = { "/configuration.nix" = file("${path.root}/nix/configuration.nix") }',
    '  }',
    '}',
    '',
  ].join('\n'),
  'packer/nixos/nix/configuration.nix': '{ ... }: { }\n',
  'packer/_shared/iso-source.pkr.hcl.tmpl': 'source "proxmox-iso" "@@os@@" {\n}\n',
  'packer/_shared/README.md': '# shared Packer templates\n',
  'packer/talos/image.yaml': 'name: talos\nbuilder: api\n',
  'packer/talos/README.md': '# talos image (built through the Proxmox API)\n',

  'ansible/playbooks/debian.yml': '- name: Debian baseline\n  hosts: all\n  roles:\n    - baseline\n',
  'ansible/playbooks/ubuntu.yml': [
    '- name: Ubuntu',
    '  hosts: all',
    '  tasks:',
    '    - name: Docker',
    '      ansible.builtin.include_role:',
    '        name: docker',
    '',
  ].join('\n'),
  'ansible/playbooks/arch.yml': '- name: Arch baseline\n  hosts: all\n  roles:\n    - common\n',
  'ansible/roles/baseline/tasks/main.yml': '- name: Ping\n  ansible.builtin.ping:\n',
  'ansible/roles/baseline/meta/main.yml': 'dependencies:\n  - role: common\n',
  'ansible/roles/baseline/README.md': '# baseline\n',
  'ansible/roles/baseline/molecule/default/molecule.yml': 'driver:\n  name: podman\n',
  'ansible/roles/common/tasks/main.yml': '- name: Common\n  ansible.builtin.ping:\n',
  'ansible/roles/common/molecule/default/molecule.yml': 'driver:\n  name: podman\n',
  'ansible/roles/common/molecule/default/converge.yml': '- name: Converge\n  hosts: all\n  roles: [common]\n',
  'ansible/roles/docker/tasks/main.yml': '- name: Docker\n  ansible.builtin.ping:\n',

  'terraform/modules/vm/main.tf': 'variable "name" {\n  type = string\n}\n',
  'terraform/modules/vm/README.md': '# vm\n<!-- BEGIN_TF_DOCS -->\n<!-- END_TF_DOCS -->\n',
  'terraform/modules/unused/main.tf': 'variable "x" {\n  type = number\n}\n',
  'terraform/environments/local/main.tf': 'module "vm" {\n  source = "../../modules/vm"\n  name   = "a"\n}\n',

  'talos/schematic.yaml':
    'customization:\n  systemExtensions:\n    officialExtensions:\n      - siderolabs/qemu-guest-agent\n',
  'talos/patches/qemu-guest-agent.yaml': 'machine:\n  features:\n    kubePrism:\n      enabled: true\n',
  'talos/patches/nvidia-gpu-node.yaml':
    'machine:\n  nodeLabels:\n    nvidia.com/gpu.present: "true"\n  kubelet:\n    extraArgs:\n      register-with-taints: nvidia.com/gpu=present:NoSchedule\n',

  'kubernetes/README.md': '# kubernetes\n',
  'kubernetes/nvidia-device-plugin/component.yaml': [
    'delivery: cluster-critical',
    'helm: { chart: nvidia-device-plugin, release: nvidia-device-plugin, namespace: gpu, values: values.yaml }',
    '',
  ].join('\n'),
  'kubernetes/nvidia-device-plugin/values.yaml': 'runtimeClassName: nvidia\n',
  'kubernetes/nvidia-device-plugin/README.md': '# device plugin\n',
  'kubernetes/ollama/component.yaml': 'delivery: gitops\n',
  'kubernetes/ollama/service.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: ollama\n',
  'kubernetes/flux/component.yaml': 'delivery: gitops\n',
  'kubernetes/flux/apps.yaml': [
    'apiVersion: kustomize.toolkit.fluxcd.io/v1',
    'kind: Kustomization',
    'metadata: { name: ollama, namespace: flux-system }',
    'spec: { path: ./kubernetes/ollama }',
    '---',
    'apiVersion: kustomize.toolkit.fluxcd.io/v1',
    'kind: Kustomization',
    'metadata: { name: absent, namespace: flux-system }',
    'spec: { path: ./kubernetes/absent }',
    '',
  ].join('\n'),
  'secrets/local.enc.yaml': 'token: ENC[AES256_GCM,data:abc,type:str]\nsops:\n  version: 3.11.0\n',
};
