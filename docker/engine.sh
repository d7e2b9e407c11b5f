#!/usr/bin/env bash
# A Docker engine for the container tests, on a machine that has none running and reaches no
# container registry (the recipe in ../shared/research/docker.md). scripts/test.sh calls `up` before
# the tests and `down` when they end; docker/engine.ts asks `env` which engine the tests use.
#
#   engine.sh up     when no engine answers and we are root: install docker.io from apt if missing,
#                    start dockerd (no bridge, no iptables, its own sockets and data root), and
#                    prepare the base image node:20-bookworm-slim offline, once (it is kept).
#                    When nothing can be started it prints one line why, and exits 0.
#   engine.sh down   stops the dockerd that `up` started, once no other `up` still uses it.
#   engine.sh env    prints DOCKER_HOST=… for the engine that answers (exit 0), or the reason
#                    there is none (exit 1).
#   engine.sh base   (re)builds the base image only.
#
# Containers of this engine have the host network or none: the daemon has no bridge, so a container
# can reach nothing but loopback unless started with --network host. The daemon's proxy points at a
# closed loopback port so that a pull (a base image missing, a typo) fails at once instead of
# reaching a registry.
set -uo pipefail

state="${H5SAVER_DOCKER_STATE:-/var/lib/h5saver-docker}" # data root and the cached base rootfs: kept
run="${H5SAVER_DOCKER_RUN:-/run/h5saver-docker}"          # socket, pid file, users: gone at reboot
socket="$run/docker.sock"
base_tag="node:20-bookworm-slim"
base_label="org.h5saver.offline-base"
# bump when the recipe of the base changes: an older base is made anew
base_version="3"
# socat: the simulators' pseudo-terminals; libhdf5-103-1: the HDF5 library the native backend's
# addon links. The official image lacks both and docker/Dockerfile installs them with apt, which
# a container here cannot reach, so ours has them.
base_packages="socat libhdf5-103-1"

say() { echo "docker engine: $*"; }

# Whether the engine at DOCKER_HOST $1 answers.
answers() { DOCKER_HOST="$1" timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# The DOCKER_HOST of an engine that answers: the caller's, ours, or the system's.
find_engine() {
  local candidate
  for candidate in "${DOCKER_HOST:-}" "unix://$socket" "unix:///var/run/docker.sock"; do
    [ -n "$candidate" ] || continue
    if answers "$candidate"; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

# The reason written by the last `up` that could not start an engine; read by `env`.
why_file="$run/why"
cannot() {
  mkdir -p "$run" 2>/dev/null && echo "$*" >"$why_file" 2>/dev/null
  say "$*"
  exit 0
}

install_engine() {
  command -v dockerd >/dev/null && command -v debootstrap >/dev/null && command -v docker-compose >/dev/null &&
    return 0
  command -v apt-get >/dev/null || cannot "no dockerd here and no apt-get to install docker.io; the container tests will skip"
  say "installing docker.io and debootstrap (apt)…"
  # docker-compose (v1, Debian's): checks and runs docker/compose.yaml in the tests
  local packages=(docker.io debootstrap docker-compose)
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${packages[@]}" >"$state/apt.log" 2>&1; then
    apt-get update -q >>"$state/apt.log" 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${packages[@]}" >>"$state/apt.log" 2>&1 ||
      cannot "apt-get install docker.io failed (see $state/apt.log); the container tests will skip"
  fi
}

start_daemon() {
  mkdir -p "$run" "$state/data"
  # no bridge and no iptables: containers get the host network or none (see the header)
  cat >"$run/daemon.json" <<EOF
{
  "bridge": "none", "iptables": false, "ip6tables": false, "ip-forward": false, "ip-masq": false,
  "storage-driver": "overlay2",
  "data-root": "$state/data", "exec-root": "$run/exec", "pidfile": "$run/dockerd.pid",
  "hosts": ["unix://$socket"]
}
EOF
  local started=$SECONDS
  HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 NO_PROXY='' \
    nohup dockerd --config-file "$run/daemon.json" >"$state/dockerd.log" 2>&1 </dev/null &
  local pid=$!
  for _ in $(seq 1 100); do
    if answers "unix://$socket"; then
      echo "$pid" >"$run/started"
      say "dockerd started (pid $pid, $((SECONDS - started)) s), DOCKER_HOST=unix://$socket"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  kill "$pid" 2>/dev/null
  cannot "dockerd did not start (last lines of $state/dockerd.log: $(tail -n 2 "$state/dockerd.log" | tr '\n' ' '))"
}

# node:20-bookworm-slim, made here without a registry: Debian bookworm minbase from debootstrap
# (the apt mirror this machine already uses; the rootfs tar is kept) plus this machine's own node
# and npm, laid out as the official image lays them out (/usr/local, user node 1000:1000).
prepare_base() {
  local engine="$1"
  local made
  made="$(DOCKER_HOST="$engine" docker image inspect --format "{{ index .Config.Labels \"$base_label\" }}" "$base_tag" 2>/dev/null)"
  if [ "$made" = "$base_version" ]; then
    return 0
  elif [ -n "$made" ] || ! DOCKER_HOST="$engine" docker image inspect "$base_tag" >/dev/null 2>&1; then
    : # none, or ours from an older recipe: (re)made below
  else
    return 0 # a real node:20-bookworm-slim, from a registry: used as it is
  fi
  local began=$SECONDS
  local rootfs="$state/base/bookworm-minbase-${base_packages// /-}.tar"
  mkdir -p "$state/base"
  if [ ! -s "$rootfs" ]; then
    command -v debootstrap >/dev/null || cannot "no $base_tag image and no debootstrap to make one"
    local mirror
    mirror="$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null)"
    local dir="$state/base/rootfs"
    rm -rf "$dir"
    say "making the base rootfs with debootstrap (once, ~30 s)…"
    debootstrap --variant=minbase --include="${base_packages// /,}" bookworm "$dir" "${mirror:-http://deb.debian.org/debian}" \
      >"$state/base/debootstrap.log" 2>&1 || cannot "debootstrap failed (see $state/base/debootstrap.log)"
    : >"$dir/etc/apt/sources.list"
    rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/archives/*.deb "$dir/var/log/bootstrap.log"
    tar -C "$dir" -cf "$rootfs.part" . && mv "$rootfs.part" "$rootfs"
    rm -rf "$dir"
  fi
  DOCKER_HOST="$engine" docker import "$rootfs" localhost/h5saver-base/debian:bookworm-minbase >/dev/null ||
    cannot "docker import of the base rootfs failed"
  local context
  context="$(mktemp -d)"
  cp "$(command -v node)" "$context/node"
  cp -a "$(dirname "$(readlink -f "$(command -v npm)")")/.." "$context/npm"
  cat >"$context/Dockerfile" <<EOF
FROM localhost/h5saver-base/debian:bookworm-minbase
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && node --version && npm --version
ENV NODE_VERSION=$(node --version | tr -d v)
LABEL $base_label="$base_version" org.h5saver.offline-base.recipe="docker/engine.sh: debootstrap bookworm minbase + $base_packages + the host's node and npm"
CMD ["node"]
EOF
  DOCKER_HOST="$engine" docker build -q -t "$base_tag" "$context" >"$state/base/build.log" 2>&1 ||
    cannot "building $base_tag failed (see $state/base/build.log)"
  rm -rf "$context"
  say "base image $base_tag prepared ($((SECONDS - began)) s)"
}

# Each `up` leaves a lease named after the process that ran it (test.sh); `down` drops it.
lease() { mkdir -p "$run/users" && : >"$run/users/$PPID"; }

up() {
  local engine
  if engine="$(find_engine)"; then
    # only ours lacks a registry; another engine pulls node:20-bookworm-slim as usual
    [ "$engine" = "unix://$socket" ] && [ "$(id -u)" = 0 ] && prepare_base "$engine"
    lease
    say "using the engine that answers at $engine"
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then
    # not root: nothing written, env reports the reason
    say "none answers and we are not root, so none is started; the container tests will skip"
    return 0
  fi
  mkdir -p "$state" "$run"
  rm -f "$why_file"
  install_engine
  start_daemon
  prepare_base "unix://$socket"
  lease
}

down() {
  rm -f "$run/users/$PPID"
  local user
  for user in "$run"/users/*; do
    [ -e "$user" ] || continue
    # `bash -c '…; engine.sh down'` runs down as the process that ran up: that lease is this one
    [ "$(basename "$user")" != "$$" ] || { rm -f "$user"; continue; }
    if kill -0 "$(basename "$user")" 2>/dev/null; then
      say "still used by process $(basename "$user"); left running"
      return 0
    fi
    rm -f "$user"
  done
  [ -f "$run/started" ] || return 0
  local pid
  pid="$(cat "$run/started")"
  rm -f "$run/started"
  kill -0 "$pid" 2>/dev/null || return 0
  # containers a failed test left behind (Ryuk is off): only our engine's, by id
  local leftover
  mapfile -t leftover < <(DOCKER_HOST="unix://$socket" docker ps -aq 2>/dev/null)
  [ ${#leftover[@]} -eq 0 ] || DOCKER_HOST="unix://$socket" docker rm -f "${leftover[@]}" >/dev/null 2>&1
  # images that later builds untagged: the data root would otherwise grow with every source change.
  # A day's are kept: among them the build stage of the dependencies, the next build's cache.
  DOCKER_HOST="unix://$socket" docker image prune -f --filter until=24h >/dev/null 2>&1
  kill -TERM "$pid"
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  # dockerd leaves its network namespace mounted
  umount "$run/exec/netns/default" 2>/dev/null
  say "dockerd stopped (pid $pid)"
}

env_() {
  local engine
  if engine="$(find_engine)"; then
    echo "DOCKER_HOST=$engine"
    return 0
  fi
  if [ -s "$why_file" ]; then
    cat "$why_file"
  elif [ "$(id -u)" != 0 ]; then
    echo "no Docker engine answers and this user is not root, so none could be started"
  else
    echo "no Docker engine answers: start one with 'bash docker/engine.sh up' (npm test does)"
  fi
  return 1
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  env) env_ ;;
  base)
    engine="$(find_engine)" || { env_; exit 1; }
    prepare_base "$engine"
    ;;
  *)
    echo "usage: bash docker/engine.sh up|down|env|base" >&2
    exit 2
    ;;
esac
