#!/usr/bin/env bash
# Makes sure npm is there (the test helpers install their packages from the npm registry):
# installs Debian's nodejs and npm when npm is missing. Needs root (or sudo) then.
set -euo pipefail
command -v npm >/dev/null 2>&1 && exit 0
echo "ensure-npm: npm missing, installing nodejs and npm from Debian" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
