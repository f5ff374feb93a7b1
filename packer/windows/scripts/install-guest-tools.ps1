# VirtIO drivers and the QEMU guest agent from the drivers ISO (virtio-win-guest-tools.exe installs both), so
# Proxmox sees the VM's address and can shut it down cleanly.
$ErrorActionPreference = 'Stop'
$installer = Get-PSDrive -PSProvider FileSystem | ForEach-Object { Join-Path $_.Root 'virtio-win-guest-tools.exe' } |
  Where-Object { Test-Path $_ } | Select-Object -First 1
if (-not $installer) { throw 'virtio-win-guest-tools.exe not found on any drive (is the VirtIO ISO attached?)' }
$run = Start-Process -FilePath $installer -ArgumentList '/install', '/quiet', '/norestart' -Wait -PassThru
if ($run.ExitCode -notin 0, 3010) { throw "virtio-win-guest-tools.exe exited with $($run.ExitCode)" }
Get-Service QEMU-GA | Set-Service -StartupType Automatic
Start-Service QEMU-GA
