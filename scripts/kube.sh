#!/usr/bin/env bash
# The real-API test server by hand, for running single test files:
#   eval "$(bash scripts/kube.sh up)"   # starts it (or adopts KEBAP_TEST_KUBECONFIG), installs the CRDs, prints the exports
#   yarn backstage-cli package test ...  # in a plugin folder: real-API tests now run
#   bash scripts/kube.sh down           # stops what `up` started
# KEBAP_KUBE_STATE picks the state folder (default .tools/kube), so several
# servers can run side by side. scripts/test.sh does all this by itself.
source "$(dirname "$0")/lib/toolchain.sh"
source "$(dirname "$0")/lib/kube.sh"
ensure_node >/dev/null 2>&1 || true
case "${1:-}" in
  up)
    kebap_kube_up >&2 || exit 1
    echo "export KEBAP_TEST_KUBECONFIG='$KEBAP_TEST_KUBECONFIG'"
    [ -n "${KEBAP_TEST_KUBE_STATE_DIR:-}" ] && echo "export KEBAP_TEST_KUBE_STATE_DIR='$KEBAP_TEST_KUBE_STATE_DIR' KEBAP_TEST_KUBE_UP='$KEBAP_TEST_KUBE_UP' KEBAP_TEST_KUBE_DOWN='$KEBAP_TEST_KUBE_DOWN'"
    ;;
  down)
    state="${KEBAP_KUBE_STATE:-$KEBAP_ROOT/.tools/kube}"
    "$(cd "$KEBAP_ROOT/.." && pwd)/shared/kube/down.sh" "$state" --purge
    ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
