#!/usr/bin/env bash
# The browser the web UI tests drive (Playwright cannot download its own builds here): Debian's chromium.
# Idempotent: does nothing when chromium is already installed (or CHROMIUM_PATH names one).
set -euo pipefail

if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "$CHROMIUM_PATH" ]; then
  exit 0
fi
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi

install() { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

if [ "$(id -u)" -eq 0 ]; then
  echo "== setup: chromium (apt)"
  install
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  echo "== setup: chromium (apt, sudo)"
  sudo -n bash -c "$(declare -f install); install"
else
  echo "chromium is missing and cannot be installed without root: run 'sudo apt-get install chromium'" >&2
  echo "(or set CHROMIUM_PATH to a Chromium or Chrome executable)." >&2
  exit 1
fi

command -v chromium >/dev/null 2>&1 || { echo "apt-get ran but 'chromium' is still not on PATH" >&2; exit 1; }
