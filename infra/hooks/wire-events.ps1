# postdeploy hook (azure.yaml): create the Event Grid subscriptions once the functions exist.
$ErrorActionPreference = 'Stop'
if ($env:AUTOPROTECT_WIRE_EVENTS -eq 'true') {
  Write-Host 'autoprotect: Event Grid subscriptions already wired (AUTOPROTECT_WIRE_EVENTS=true)'
  exit 0
}
azd env set AUTOPROTECT_WIRE_EVENTS true
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
azd provision --no-prompt
exit $LASTEXITCODE
