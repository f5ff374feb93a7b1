# Generalise with cloudbase-init's own unattend file (it runs cloudbase-init in the specialize pass of each
# clone), then leave the VM for Packer to stop and convert: /quit, not /shutdown, so Packer's connection ends
# cleanly. Waits until Windows reports the image as generalised.
$ErrorActionPreference = 'Stop'
$unattend = Join-Path ${env:ProgramFiles} 'Cloudbase Solutions\Cloudbase-Init\conf\Unattend.xml'
if (-not (Test-Path $unattend)) { throw "cloudbase-init's Unattend.xml is missing ($unattend)" }
& "$env:SystemRoot\System32\Sysprep\Sysprep.exe" /generalize /oobe /quit /mode:vm "/unattend:$unattend"
$state = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Setup\State'
for ($i = 0; $i -lt 180; $i++) {
  if ((Get-ItemProperty $state).ImageState -eq 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE') { exit 0 }
  Start-Sleep -Seconds 5
}
throw 'sysprep did not finish within 15 minutes'
