# shellcheck shell=bash
# Go's text/template and sprig, the template engine of Helm, for the chart
# tests (infrastructure/deploy-tests/helm-render, built by renderChart.ts):
# Debian's Go with Debian's sprig and sigs.k8s.io/yaml sources, built in
# GOPATH mode (no Go module proxy is reachable).
#   source scripts/lib/go.sh; ensure_go   # installs them when missing
#   bash scripts/lib/go.sh                # the same, run directly

KEBAP_GO_PACKAGES=(golang-go golang-github-masterminds-sprig-dev golang-k8s-sigs-yaml-dev)
KEBAP_GO_SOURCES=(/usr/share/gocode/src/github.com/Masterminds/sprig /usr/share/gocode/src/sigs.k8s.io/yaml)

ensure_go() {
  local missing=0 dir
  command -v go >/dev/null 2>&1 || missing=1
  for dir in "${KEBAP_GO_SOURCES[@]}"; do [ -d "$dir" ] || missing=1; done
  [ "$missing" = 0 ] && return 0
  echo "[kebap] Go or sprig missing: installing Debian's ${KEBAP_GO_PACKAGES[*]}" >&2
  [ "$(id -u)" = 0 ] || { echo "[kebap] need root to apt-get install ${KEBAP_GO_PACKAGES[*]}" >&2; return 1; }
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${KEBAP_GO_PACKAGES[@]}" >/dev/null ||
    { echo "[kebap] apt-get install ${KEBAP_GO_PACKAGES[*]} failed" >&2; return 1; }
  command -v go >/dev/null 2>&1 || { echo "[kebap] go still not on PATH after installing golang-go" >&2; return 1; }
  echo "[kebap] $(go version)" >&2
}

# run directly (not sourced): install what is missing
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  ensure_go
fi
