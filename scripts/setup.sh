#!/usr/bin/env bash
# Installs every Debian 12 package the build, the server and the tests need (with --images: the
# ones the image build needs instead). Idempotent: when everything is present it only checks.
# Needs root (or sudo) the first time.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates curl openssl
  libssl-dev libsqlite3-dev sqlite3
  libboost1.81-dev libboost-json1.81-dev
  libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcurl4-openssl-dev libmimalloc-dev
  wrk
  # cli/bigdl's tests exchange files with an independent Python implementation of BigDL's formats.
  python3 python3-cryptography
  # scripts/fuzz.sh: libFuzzer and the sanitizer runtimes.
  clang libclang-rt-14-dev
)

# deploy/docker/build-images.sh: buildah and podman build and run the images without a Docker
# engine, with runc (crun refuses some cgroup layouts); debootstrap makes the Debian base
# images without a registry.
IMAGE_PACKAGES=(buildah podman runc debootstrap)
if [ "${1:-}" = --images ]; then PACKAGES=("${IMAGE_PACKAGES[@]}"); fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
