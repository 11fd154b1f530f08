#!/usr/bin/env bash
# Installs the Bicep CLI that the infra tests compile and lint infra/main.bicep with (test/unit/infra/bicep.test.ts).
# The CLI ships as the NuGet package Azure.Bicep.CommandLine.linux-x64; the native `bicep` binary is inside it.
# `dotnet restore` of a throwaway project with a <PackageDownload> puts the package in the NuGet package cache
# (NUGET_PACKAGES, default ~/.nuget/packages), where the tests look for it. Nothing .NET enters the product.
# Prints the binary's path on its last line (CI exports it as BICEP_PATH).
set -euo pipefail

BICEP_PACKAGE=Azure.Bicep.CommandLine.linux-x64
BICEP_VERSION=0.49.2

cache="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
binary="$cache/$(echo "$BICEP_PACKAGE" | tr '[:upper:]' '[:lower:]')/$BICEP_VERSION/tools/bicep"

if [ ! -f "$binary" ]; then
  if ! command -v dotnet >/dev/null 2>&1; then
    echo "install-bicep: dotnet is needed to restore $BICEP_PACKAGE $BICEP_VERSION (or set BICEP_PATH to a bicep $BICEP_VERSION binary)" >&2
    exit 1
  fi
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  cat >"$work/bicep-restore.csproj" <<PROJECT
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net$(dotnet --version | cut -d. -f1-2)</TargetFramework>
  </PropertyGroup>
  <ItemGroup>
    <PackageDownload Include="$BICEP_PACKAGE" Version="[$BICEP_VERSION]" />
  </ItemGroup>
</Project>
PROJECT
  DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 dotnet restore "$work/bicep-restore.csproj" >&2
fi

if [ ! -f "$binary" ]; then
  echo "install-bicep: $BICEP_PACKAGE $BICEP_VERSION was restored but has no $binary" >&2
  exit 1
fi
chmod +x "$binary"
"$binary" --version >&2
echo "$binary"
