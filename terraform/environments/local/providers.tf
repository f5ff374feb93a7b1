# Everything environment-specific comes in as variables from the deploy stage (scripts/deploy.ts,
# libs/deploy): the endpoint from infra.config.yaml, the API token from the environment's SOPS file as
# TF_VAR_proxmox_api_token (process environment only, never a file or argv), and TLS trust as SSL_CERT_FILE
# holding the pinned certificate (checked against proxmox.tls.fingerprint first).
provider "proxmox" {
  endpoint  = var.proxmox_endpoint
  api_token = var.proxmox_api_token
  insecure  = var.proxmox_insecure
}
