#!/usr/bin/env bash
# Builds and lints infra/main.bicep with the Bicep compiler the build restores from NuGet
# (Azure.Bicep.CommandLine.linux-x64, version in Directory.Packages.props): zero errors, zero warnings.
set -euo pipefail
cd "$(dirname "$0")/.."

dotnet restore tests/UnitTests --verbosity quiet
version=$(sed -n 's/.*Include="Azure.Bicep.CommandLine.linux-x64" Version="\([^"]*\)".*/\1/p' Directory.Packages.props)
bicep="${NUGET_PACKAGES:-$HOME/.nuget/packages}/azure.bicep.commandline.linux-x64/$version/tools/bicep"
[ -x "$bicep" ] || chmod +x "$bicep"

"$bicep" build infra/main.bicep --stdout > /dev/null
diagnostics=$("$bicep" lint infra/main.bicep 2>&1)
if [ -n "$diagnostics" ]; then
  echo "$diagnostics"
  echo "bicep lint: warnings or errors above" >&2
  exit 1
fi
echo "bicep: infra/main.bicep builds and lints clean ($version)"
