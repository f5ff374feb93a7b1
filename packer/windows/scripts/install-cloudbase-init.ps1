# cloudbase-init, pinned in infra.config.yaml (images.windows.cloudbaseInit): downloaded by the guest, checked
# against the pinned SHA-256 before anything runs, installed quietly. Each clone then gets its user, password,
# SSH keys, hostname and network from its Proxmox cloud-init drive (ConfigDrive).
$ErrorActionPreference = 'Stop'
$msi = Join-Path $env:TEMP 'CloudbaseInitSetup.msi'
Invoke-WebRequest -Uri $env:CLOUDBASE_INIT_URL -OutFile $msi -UseBasicParsing
$actual = (Get-FileHash -Algorithm SHA256 $msi).Hash
if ($actual -ne $env:CLOUDBASE_INIT_SHA256) { throw "cloudbase-init MSI checksum $actual, expected $env:CLOUDBASE_INIT_SHA256" }
$run = Start-Process msiexec.exe -ArgumentList '/i', $msi, '/qn', '/norestart', 'RUN_SERVICE_AS_LOCAL_SYSTEM=1' -Wait -PassThru
if ($run.ExitCode -notin 0, 3010) { throw "cloudbase-init setup exited with $($run.ExitCode)" }
Remove-Item $msi
