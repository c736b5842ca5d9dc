# shellcheck shell=bash
# Sourced by scripts/test.sh (after toolchain.sh). The real Kubernetes API
# server the real-API tests run against:
#   - KEBAP_TEST_KUBECONFIG set: that cluster (a user's own; the tests create
#     and remove their own namespaces and cluster-scoped objects there, all
#     named kebap-test-*/kt-*: use a throw-away cluster);
#   - else ../shared/kube/up.sh beside the checkout: etcd, kube-apiserver and
#     kube-controller-manager 1.26 on loopback, state in .tools/kube
#     (KEBAP_KUBE_STATE: another folder);
#   - else: in CI a failure; elsewhere the real-API tests skip, with the
#     reason printed once.
# The vendored CRDs (upstream/crds) are installed either way. Tests read
# KEBAP_TEST_KUBECONFIG (and KEBAP_TEST_KUBE_STATE_DIR, set only for the
# shared control plane, for tests that restart it).

KEBAP_KUBE_STARTED=""

kebap_kube_up() {
  local shared state
  if [ -n "${KEBAP_TEST_KUBECONFIG:-}" ]; then
    log "real-API tests: the cluster of KEBAP_TEST_KUBECONFIG ($KEBAP_TEST_KUBECONFIG)"
  else
    shared="$(cd "$KEBAP_ROOT/.." && pwd)/shared/kube"
    if [ ! -x "$shared/up.sh" ]; then
      if [ "${CI:-}" = true ]; then
        log "real-API tests need a control plane: no $shared/up.sh and no KEBAP_TEST_KUBECONFIG"
        return 1
      fi
      log "real-API tests skip: no ../shared/kube/up.sh and no KEBAP_TEST_KUBECONFIG"
      export KEBAP_TEST_KUBE_SKIP="no ../shared/kube/up.sh beside the checkout and no KEBAP_TEST_KUBECONFIG"
      return 0
    fi
    state="${KEBAP_KUBE_STATE:-$KEBAP_ROOT/.tools/kube}"
    log "starting the control plane from ../shared/kube (state in $state)"
    "$shared/up.sh" "$state" >"$KEBAP_ROOT/.tools/kube-up.log" 2>&1 \
      || { cat "$KEBAP_ROOT/.tools/kube-up.log" >&2; log "../shared/kube/up.sh failed"; return 1; }
    KEBAP_KUBE_STARTED="$state"
    export KEBAP_TEST_KUBECONFIG="$state/kubeconfig" KEBAP_TEST_KUBE_STATE_DIR="$state"
    export KEBAP_TEST_KUBE_UP="$shared/up.sh" KEBAP_TEST_KUBE_DOWN="$shared/down.sh"
  fi
  node "$KEBAP_ROOT/scripts/lib/install-crds.mjs" "$KEBAP_TEST_KUBECONFIG" || return 1
}

kebap_kube_down() {
  [ -n "$KEBAP_KUBE_STARTED" ] || return 0
  local shared
  shared="$(cd "$KEBAP_ROOT/.." && pwd)/shared/kube"
  "$shared/down.sh" "$KEBAP_KUBE_STARTED" --purge >/dev/null 2>&1 || true
  KEBAP_KUBE_STARTED=""
}
