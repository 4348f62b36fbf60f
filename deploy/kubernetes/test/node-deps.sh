#!/usr/bin/env bash
# Installs the npm packages that the Kubernetes checks use (package.json and package-lock.json
# beside this script: kubernetes-models and yaml) into .cache/kubernetes-checks of the
# repository with `npm ci`, unless that copy is current, and prints its node_modules folder.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
PREFIX="${EHSM_K8S_CHECKS_PREFIX:-$REPO/.cache/kubernetes-checks}"

mkdir -p "$PREFIX"
# npm ci empties node_modules first: one installer at a time.
exec 9>"$PREFIX.lock"
flock 9
if ! cmp -s "$HERE/package-lock.json" "$PREFIX/package-lock.json" ||
  [ ! -d "$PREFIX/node_modules/kubernetes-models" ]; then
  bash "$REPO/scripts/ensure-npm.sh"
  echo "node-deps: installing kubernetes-models and yaml into $PREFIX" >&2
  cp "$HERE/package.json" "$HERE/package-lock.json" "$PREFIX/"
  # The copied lock file marks a finished install, so it goes when the install fails.
  npm ci --prefix "$PREFIX" --no-audit --no-fund --loglevel=error --ignore-scripts >&2 ||
    { rm -f "$PREFIX/package-lock.json"; exit 1; }
fi
echo "$PREFIX/node_modules"
