# Everything environment-specific comes in as variables: the endpoint from infra.config.yaml, the API token from
# the environment's SOPS file as TF_VAR_proxmox_api_token (scripts decrypt it into the process environment only;
# it is never written to a .tfvars file).
provider "proxmox" {
  endpoint  = var.proxmox_endpoint
  api_token = var.proxmox_api_token
  insecure  = var.proxmox_insecure
}
