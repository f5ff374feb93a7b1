# Run once by the answer file's first logon (FirstLogonCommands in the generated autounattend.xml), from the
# answer-file CD: opens the channel Packer builds through. WinRM listens on HTTPS with a certificate made here
# (the build VM is new, so there is nothing to pin in advance); OpenSSH (shipped with Windows Server 2025)
# takes the build's ephemeral public key from the same CD.
param([ValidateSet('winrm', 'ssh')][string]$Communicator = 'winrm')
$ErrorActionPreference = 'Stop'

# Setup leaves the first network "Public"; neither channel is allowed through on a public network.
Get-NetConnectionProfile | Set-NetConnectionProfile -NetworkCategory Private

if ($Communicator -eq 'winrm') {
  $cert = New-SelfSignedCertificate -DnsName $env:COMPUTERNAME -CertStoreLocation Cert:\LocalMachine\My
  Enable-PSRemoting -SkipNetworkProfileCheck -Force
  Get-ChildItem WSMan:\localhost\Listener | Where-Object { $_.Keys -contains 'Transport=HTTP' } | Remove-Item -Recurse
  New-Item -Path WSMan:\localhost\Listener -Transport HTTPS -Address * -CertificateThumbPrint $cert.Thumbprint -Force
  Set-Item WSMan:\localhost\Service\Auth\Basic -Value $true
  New-NetFirewallRule -DisplayName 'WinRM HTTPS (infra build)' -Direction Inbound -Protocol TCP -LocalPort 5986 -Action Allow
} else {
  $keys = Get-PSDrive -PSProvider FileSystem | ForEach-Object { Join-Path $_.Root 'administrators_authorized_keys' } |
    Where-Object { Test-Path $_ } | Select-Object -First 1
  if (-not $keys) { throw 'administrators_authorized_keys not found on any drive' }
  Copy-Item $keys "$env:ProgramData\ssh\administrators_authorized_keys"
  icacls.exe "$env:ProgramData\ssh\administrators_authorized_keys" /inheritance:r /grant 'Administrators:F' /grant 'SYSTEM:F'
  Set-Service -Name sshd -StartupType Automatic
  Start-Service sshd
  New-NetFirewallRule -DisplayName 'OpenSSH (infra build)' -Direction Inbound -Protocol TCP -LocalPort 22 -Action Allow
}
