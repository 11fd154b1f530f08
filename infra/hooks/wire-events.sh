#!/bin/sh
# postdeploy hook (azure.yaml): create the Event Grid subscriptions once the functions exist.
set -eu
if [ "${AUTOPROTECT_WIRE_EVENTS:-false}" = "true" ]; then
  echo "autoprotect: Event Grid subscriptions already wired (AUTOPROTECT_WIRE_EVENTS=true)"
  exit 0
fi
azd env set AUTOPROTECT_WIRE_EVENTS true
azd provision --no-prompt
