#!/usr/bin/env bash
# The whole test suite, from a fresh machine: set-up (Node 22, Yarn 4,
# dependencies), type check, lint, unit and integration tests, build of app
# and backend, production-config boot test on PostgreSQL, task recovery after
# a killed backend on PostgreSQL, browser tests in
# Debian's Chromium. The real-API tests (unit stage, files using
# describeRealKubernetes) run against the control plane that the `kube`
# stage starts from ../shared/kube (or the cluster of KEBAP_TEST_KUBECONFIG);
# it stays up for the later stages and stops when the script ends.
# Prints each stage's duration and a closing count.
# Usage: scripts/test.sh [stage ...]   (default: all stages)
source "$(dirname "$0")/lib/toolchain.sh"
source "$(dirname "$0")/lib/kube.sh"
source "$(dirname "$0")/lib/go.sh"
set +e
started=$(date +%s)
logs="$KEBAP_ROOT/test-results/logs"
mkdir -p "$logs"
tests_passed=0; tests_failed=0; failed_stages=()
summary=()

count() { # add the counts a runner printed in $1 to the totals
  local log="$1" p f
  # Jest: "Tests:       2 failed, 40 passed, 42 total"
  if line=$(grep -E '^Tests: ' "$log" | tail -n1) && [ -n "$line" ]; then
    p=$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+'); f=$(grep -oE '[0-9]+ failed' <<<"$line" | grep -oE '[0-9]+')
  # Playwright: "  3 passed (12s)" / "  1 failed"; our scripts: "production: 7 passed, 0 failed"
  else
    p=$(grep -oE '^ *([a-z-]+: )?[0-9]+ passed' "$log" | tail -n1 | grep -oE '[0-9]+')
    f=$(grep -oE '^ *([a-z-]+: )?[0-9]+ passed, [0-9]+ failed|^ *[0-9]+ failed' "$log" | tail -n1 | grep -oE '[0-9]+ failed|^ *[0-9]+ failed' | grep -oE '[0-9]+')
  fi
  tests_passed=$((tests_passed + ${p:-0})); tests_failed=$((tests_failed + ${f:-0}))
}

stage() { # stage NAME COMMAND...
  local name="$1"; shift
  local t0=$(date +%s) rc
  log "── stage $name"
  ( "$@" ) 2>&1 | tee "$logs/$name.log"
  rc=${PIPESTATUS[0]}
  local dt=$(( $(date +%s) - t0 ))
  count "$logs/$name.log"
  if [ "$rc" = 0 ]; then summary+=("$(printf '%-12s %5ss  ok' "$name" "$dt")")
  else summary+=("$(printf '%-12s %5ss  FAILED (exit %s, log: test-results/logs/%s.log)' "$name" "$dt" "$rc" "$name")"); failed_stages+=("$name"); fi
  log "── stage $name took ${dt}s (exit $rc)"
  return "$rc"
}

ensure_chromium() {
  [ -x /usr/bin/chromium ] && return 0
  log "installing Debian's chromium for the browser tests"
  [ "$(id -u)" = 0 ] || { log "need root to apt-get install chromium"; return 1; }
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
}

s_setup()      { kebap_setup; }
s_typecheck()  { yarn tsc; }
s_lint()       { yarn backstage-cli repo lint; }
s_unit()       { ensure_go && yarn backstage-cli repo test --watchAll=false; }
s_build()      { yarn build:all >"$logs/build-output.log" 2>&1 || { tail -40 "$logs/build-output.log"; return 1; }; echo "app and backend built"; }
s_production() { bash scripts/test-production.sh; }
s_recovery()   { bash scripts/test-recovery.sh; }
s_e2e()        { ensure_chromium && rm -rf test-results/e2e-data && yarn playwright test; }

all=(setup typecheck lint unit build production recovery e2e)
wanted=("${@:-${all[@]}}")
cd "$KEBAP_ROOT"
# set-up runs in this shell: later stages need its PATH
t0=$(date +%s); log "── stage setup"; kebap_setup; rc=$?
summary+=("$(printf '%-12s %5ss  %s' setup $(( $(date +%s) - t0 )) "$([ $rc = 0 ] && echo ok || echo FAILED)")")
[ $rc = 0 ] || { echo "set-up failed"; exit 1; }
# the control plane of the real-API tests, once for every stage that follows
trap kebap_kube_down EXIT
t0=$(date +%s); log "── stage kube"; kebap_kube_up; rc=$?
summary+=("$(printf '%-12s %5ss  %s' kube $(( $(date +%s) - t0 )) "$([ $rc = 0 ] && echo ok || echo FAILED)")")
[ $rc = 0 ] || failed_stages+=(kube)
for s in "${wanted[@]}"; do
  [ "$s" = setup ] && continue
  stage "$s" "s_$s"
done

echo
echo "Stage        took   result"
printf '%s\n' "${summary[@]}"
echo "total: $(( $(date +%s) - started ))s"
echo "tests: $tests_passed passed, $tests_failed failed"
[ ${#failed_stages[@]} = 0 ] || { echo "failed stages: ${failed_stages[*]}"; exit 1; }
