#!/usr/bin/env bash
# Builds the container images ehsm-kms, ehsm-dkeyserver, ehsm-dkeycache and ehsm-pccs with
# buildah (no Docker engine needed) and saves each as an archive for loading into a cluster's
# nodes.
#
#   deploy/docker/build-images.sh [--prebuilt DIR | --from-source] [--tag TAG]
#       [--registry REG] [--out DIR] [--base debootstrap|registry] [--smoke]
#
# Two ways to get the binaries, one runtime image:
#   --prebuilt DIR  (default DIR: build/bin) packages binaries already built on this machine
#                   (scripts/build.sh); a daemon whose binary is not there is skipped, and said
#                   so. A minute or two (most of it apt in the runtime stage), so CI uses it.
#                   The binaries must come from a Debian 12 build.
#   --from-source   compiles inside a Debian 12 build image (Dockerfile.build): about 20
#                   minutes on 2 cores.
# Both put the binaries into the same runtime stage (Dockerfile.runtime: slim Debian 12, the
# shared libraries only, user 10001) with the same layout, /usr/local/bin/ehsm-<name>.
#
# Base images: --base debootstrap (default) makes Debian 12 and Debian 12 slim with
# debootstrap from Debian's archive (no registry needed; cached in .cache/debian-bookworm);
# --base registry uses docker.io/library/debian:bookworm and bookworm-slim.
#
# Images are named REG/ehsm-<name>:TAG (default localhost/ehsm-<name>:<project version>, what
# deploy/kubernetes/values.yaml expects) and saved as OUT/ehsm-<name>-TAG.tar (docker-archive;
# default OUT: build/images). Load one with `ctr -n k8s.io images import FILE` on a node, or
# `podman load -i FILE` and push it to your registry. --smoke runs each image once (--version,
# and the KMS answering GetVersion over HTTPS in a container on a private network namespace).
#
# Needs root (rootful podman). The image store is a temporary folder, removed at the end.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$REPO/deploy/docker"
COMPONENTS=(kms dkeyserver dkeycache pccs)

die() { echo "build-images: $*" >&2; exit 1; }
say() { echo "build-images: $*" >&2; }

MODE=prebuilt PREBUILT="$REPO/build/bin" BASE=debootstrap SMOKE=0 REGISTRY=localhost
OUT="$REPO/build/images"
TAG="$(sed -n 's/^project(ehsm_kms VERSION \([0-9.]*\).*/\1/p' "$REPO/CMakeLists.txt")"
while [ $# -gt 0 ]; do
  case "$1" in
    --prebuilt) MODE=prebuilt; PREBUILT="$2"; shift 2 ;;
    --from-source) MODE=source; shift ;;
    --tag) TAG="$2"; shift 2 ;;
    --registry) REGISTRY="${2%/}"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --base) BASE="$2"; shift 2 ;;
    --smoke) SMOKE=1; shift ;;
    -h | --help) sed -n '5,28s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
[[ $BASE == debootstrap || $BASE == registry ]] || die "--base must be debootstrap or registry"
[[ $TAG =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "--tag '$TAG' is not an image tag"
[ "$(id -u)" = 0 ] || die "needs root (rootful podman); run it with sudo"
if [ "$MODE" = prebuilt ]; then
  [ -d "$PREBUILT" ] || die "no folder $PREBUILT (build first: scripts/build.sh, or use --from-source)"
  PREBUILT="$(cd "$PREBUILT" && pwd)"
fi

bash "$REPO/scripts/setup.sh" --images >&2

# A private store and the settings that work without systemd and with the machine's limits:
# runc (crun refuses hybrid cgroup layouts), cgroupfs, ulimits below the hard limits.
W="$(mktemp -d "${TMPDIR:-/tmp}/ehsm-images.XXXXXX")"
NETNS="ehsm-img-$$"
cat >"$W/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$W/store/root"
runroot = "$W/store/run"
EOF
nofile="$(ulimit -Hn)"
[ "$nofile" = unlimited ] && nofile=65536
((nofile > 65536)) && nofile=65536
cat >"$W/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=4096:4096"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
export CONTAINERS_STORAGE_CONF="$W/storage.conf" CONTAINERS_CONF="$W/containers.conf"
cleanup() {
  podman rm -a -f -t 0 >/dev/null 2>&1 || true
  buildah rm --all >/dev/null 2>&1 || true
  podman rmi -a -f >/dev/null 2>&1 || true
  ip netns del "$NETNS" 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT

BUILD=(buildah bud --quiet --isolation chroot --layers --pull=never)
# Runs "${BUILD[@]}" ARGS...; shows its output only when it fails.
build() {
  if ! "${BUILD[@]}" "$@" >"$W/build.log" 2>&1; then
    tail -n 30 "$W/build.log" >&2
    die "buildah bud $* failed"
  fi
}

# Debian 12 from debootstrap, as the "minbase" variant with the updates and security suites,
# and a slim flavour without documentation, man pages and translations (as Debian's own
# bookworm-slim images). Cached as tarballs: debootstrap takes about 30 s.
debootstrap_bases() {
  local cache="$REPO/.cache/debian-bookworm"
  local mirror="${EHSM_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
  local security="${EHSM_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
  if [ ! -f "$cache/minbase.tar" ] || [ ! -f "$cache/slim.tar" ]; then
    say "making Debian 12 base images with debootstrap ($mirror)"
    mkdir -p "$cache"
    local root="$W/rootfs"
    debootstrap --variant=minbase bookworm "$root" "$mirror" >"$W/debootstrap.log" 2>&1 ||
      { tail -n 20 "$W/debootstrap.log" >&2; die "debootstrap failed"; }
    printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb %s bookworm-security main\n' \
      "$mirror" "$mirror" "$security" >"$root/etc/apt/sources.list"
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/var/log/*.log
    tar -C "$root" -cf "$cache/minbase.tar.new" . && mv "$cache/minbase.tar.new" "$cache/minbase.tar"
    cat >"$root/etc/dpkg/dpkg.cfg.d/slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
EOF
    find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
    rm -rf "$root"/usr/share/{man,info,locale,lintian}/*
    tar -C "$root" -cf "$cache/slim.tar.new" . && mv "$cache/slim.tar.new" "$cache/slim.tar"
    rm -rf "$root"
  fi
  podman import -q "$cache/minbase.tar" localhost/ehsm-debian:bookworm >/dev/null
  podman import -q "$cache/slim.tar" localhost/ehsm-debian:bookworm-slim >/dev/null
  DEBIAN=localhost/ehsm-debian:bookworm DEBIAN_SLIM=localhost/ehsm-debian:bookworm-slim
}

if [ "$BASE" = debootstrap ]; then
  debootstrap_bases
else
  DEBIAN=docker.io/library/debian:bookworm DEBIAN_SLIM=docker.io/library/debian:bookworm-slim
  BUILD=(buildah bud --quiet --isolation chroot --layers --pull=missing)
fi

# The binaries, in /out/bin of localhost/ehsm-binaries:TAG.
BUILT=() SKIPPED=()
if [ "$MODE" = source ]; then
  say "compiling in a Debian 12 build image (Dockerfile.build); this takes a while"
  sha="$(git -C "$REPO" rev-parse --short=7 HEAD 2>/dev/null || echo 0000000)"
  build --build-arg DEBIAN="$DEBIAN" --build-arg GIT_SHA="$sha" -f "$HERE/Dockerfile.build" \
    -t "localhost/ehsm-binaries:$TAG" "$REPO"
  present="$(podman run --rm --network none "localhost/ehsm-binaries:$TAG" ls /out/bin)"
  for c in "${COMPONENTS[@]}"; do
    if grep -qx "ehsm-$c" <<<"$present"; then BUILT+=("$c"); else SKIPPED+=("$c"); fi
  done
else
  mkdir -p "$W/prebuilt/bin"
  for c in "${COMPONENTS[@]}"; do
    if [ -x "$PREBUILT/ehsm-$c" ]; then
      objcopy --strip-debug "$PREBUILT/ehsm-$c" "$W/prebuilt/bin/ehsm-$c"
      BUILT+=("$c")
    else
      SKIPPED+=("$c")
    fi
  done
  ((${#BUILT[@]})) || die "none of ehsm-kms, ehsm-dkeyserver, ehsm-dkeycache, ehsm-pccs is in $PREBUILT"
  build -f "$HERE/Dockerfile.prebuilt" -t "localhost/ehsm-binaries:$TAG" "$W/prebuilt"
fi
for c in "${SKIPPED[@]}"; do say "SKIPPED ehsm-$c: this checkout has no such binary yet"; done

say "runtime base (Dockerfile.runtime on $DEBIAN_SLIM)"
build --build-arg DEBIAN_SLIM="$DEBIAN_SLIM" -f "$HERE/Dockerfile.runtime" \
  -t "localhost/ehsm-runtime:$TAG" "$HERE"

mkdir -p "$OUT"
for c in "${BUILT[@]}"; do
  image="$REGISTRY/ehsm-$c:$TAG"
  build --build-arg BINARIES="localhost/ehsm-binaries:$TAG" \
    --build-arg RUNTIME="localhost/ehsm-runtime:$TAG" --build-arg VERSION="$TAG" \
    -f "$HERE/Dockerfile.$c" -t "$image" "$HERE"
  rm -f "$OUT/ehsm-$c-$TAG.tar"
  podman save -q --format docker-archive -o "$OUT/ehsm-$c-$TAG.tar" "$image"
  size="$(podman image inspect --format '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1 / 1e6}')"
  say "built $image ($size), saved $OUT/ehsm-$c-$TAG.tar"
done

# --- smoke test: each image runs as it will in the cluster (non-root, read-only root, no
# capabilities, no privilege escalation) ------------------------------------------------------
RUN=(podman run --rm --read-only --cap-drop ALL --security-opt no-new-privileges)
smoke_kms() {
  local image="$1" body="" i url='https://127.0.0.1:9000/ehsm?Action=GetVersion'
  ip netns add "$NETNS"
  ip -n "$NETNS" link set lo up
  # The data folder as the cluster's emptyDir makes it: writable by the image's user only.
  install -d -o 10001 -g 10001 -m 0700 "$W/kms-data"
  podman run -d --name ehsm-smoke-kms --network "ns:/run/netns/$NETNS" --read-only --cap-drop ALL \
    --security-opt no-new-privileges -v "$W/kms-data:/var/lib/ehsm-kms" \
    "$image" --port 9000 >/dev/null
  # Only inside the namespace: the container's address exists nowhere else.
  for i in $(seq 1 100); do
    body="$(ip netns exec "$NETNS" curl -sk --max-time 2 "$url" || true)"
    [ -n "$body" ] && break
    sleep 0.2
  done
  say "GetVersion in the container: $body"
  if ! grep -q '"code":200' <<<"$body"; then
    podman logs ehsm-smoke-kms >&2 || true
    return 1
  fi
  # A daemon that ignored SIGTERM as PID 1 would hold `podman stop` for the full 10 s.
  local start=$SECONDS
  podman stop -t 10 ehsm-smoke-kms >/dev/null
  say "stopped by SIGTERM in $((SECONDS - start)) s"
  ((SECONDS - start < 5)) || { say "ehsm-kms did not stop on SIGTERM"; return 1; }
  podman rm -f ehsm-smoke-kms >/dev/null
  ip netns del "$NETNS"
}

if ((SMOKE)); then
  failed=0
  for c in "${BUILT[@]}"; do
    image="$REGISTRY/ehsm-$c:$TAG"
    if out="$("${RUN[@]}" --network none "$image" --version 2>&1)" && grep -q "ehsm-$c" <<<"$out"; then
      say "ok - $image --version: $out"
    else
      say "not ok - $image --version: $out"
      failed=1
    fi
    if [ "$c" = kms ]; then
      if smoke_kms "$image"; then
        say "ok - $image answers GetVersion"
      else
        say "not ok - $image does not answer GetVersion"
        failed=1
      fi
    fi
  done
  ((failed == 0)) || die "smoke test failed"
fi
say "done: built ${BUILT[*]}${SKIPPED[*]:+; skipped ${SKIPPED[*]}}"
