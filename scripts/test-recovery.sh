#!/usr/bin/env bash
# Task recovery test: a backend killed (SIGKILL) in the middle of an order
# resumes the order after a restart, on PostgreSQL with
# scaffolder.EXPERIMENTAL_recoverTasks, and delivers nothing twice.
#
# Starts Debian's PostgreSQL on a loopback port, runs the backend from source
# (`yarn workspace backend start`, nothing is built) with a test template whose
# steps are: kebap:vcluster:create, debug:wait, kebap:argocd:cluster
# (`EXPERIMENTAL_recovery: startOver`, so the scaffolder may run it again);
# orders a dev cluster, kills the backend's process group with SIGKILL while
# the task waits, starts the backend again, and checks that the task
# completes once and the gitops repository has exactly one commit per part.
# Prints `recovery: N passed, M failed`; exits non-zero on failure.
source "$(dirname "$0")/lib/toolchain.sh"
source "$(dirname "$0")/lib/postgres.sh"
kebap_setup

work="$(mktemp -d /tmp/kebap-recovery.XXXXXX)"
backend_pgid=""
passed=0; failed=0
stop_backend() {
  # the backend runs in its own process group (setsid): end exactly that group
  [ -n "$backend_pgid" ] || return 0
  kill -"${1:-TERM}" -- "-$backend_pgid" 2>/dev/null || true
  for _ in $(seq 1 30); do kill -0 -- "-$backend_pgid" 2>/dev/null || break; sleep 0.5; done
  kill -KILL -- "-$backend_pgid" 2>/dev/null || true
  wait "$backend_pgid" 2>/dev/null || true
  backend_pgid=""
}
cleanup() {
  set +e # everything below runs, whatever fails
  stop_backend TERM
  # keep the backend logs for a look after a failure (test-results/ is git-ignored)
  mkdir -p "$KEBAP_ROOT/test-results/logs"
  for f in "$work"/backend-*.log; do
    [ -f "$f" ] && cp "$f" "$KEBAP_ROOT/test-results/logs/recovery-$(basename "$f")"
  done
  pg_test_stop
  rm -rf "$work"
}
trap cleanup EXIT

check() { # check LABEL COMMAND...  (not "name": bash would hide the order's name from COMMAND)
  local label="$1"; shift
  if "$@"; then passed=$((passed+1)); log "ok   $label"; else failed=$((failed+1)); log "FAIL $label"; fi
}
finish() {
  echo "recovery: $passed passed, $failed failed"
  [ "$failed" = 0 ]
  exit $?
}

pg_test_start || { echo "recovery: 0 passed, 1 failed"; exit 1; }

port=$(( 18000 + RANDOM % 1000 ))
token="kebap-recovery-test-$RANDOM$RANDOM$RANDOM"
wait_seconds="${KEBAP_RECOVERY_WAIT_SECONDS:-25}"
mkdir -p "$work/data"
cat >"$work/template.yaml" <<YAML
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: recovery-test
  title: Recovery test (a dev cluster with a pause between its parts)
spec:
  owner: group:default/platform-team
  type: test
  EXPERIMENTAL_recovery:
    EXPERIMENTAL_strategy: startOver
  parameters:
    - properties:
        name: { type: string }
        owner: { type: string }
  steps:
    - id: vcluster
      name: Create the vCluster
      action: kebap:vcluster:create
      input:
        name: \${{ parameters.name }}
        owner: \${{ parameters.owner }}
        size: small
    - id: pause
      name: Pause (the backend is killed here)
      action: debug:wait
      input:
        seconds: $wait_seconds
    - id: register
      name: Register it in Argo CD
      action: kebap:argocd:cluster
      input:
        name: \${{ parameters.name }}
        owner: \${{ parameters.owner }}
YAML
cat >"$work/app-config.recovery.yaml" <<YAML
backend:
  baseUrl: http://localhost:$port
  listen:
    port: $port
  database:
    client: pg
    connection:
      host: \${POSTGRES_HOST}
      port: \${POSTGRES_PORT}
      user: \${POSTGRES_USER}
      password: \${POSTGRES_PASSWORD}
  auth:
    externalAccess:
      - type: static
        options:
          token: $token
          subject: recovery-test
scaffolder:
  EXPERIMENTAL_recoverTasks: true
  EXPERIMENTAL_recoverTasksTimeout:
    seconds: 3
catalog:
  locations:
    - type: file
      target: $work/template.yaml
      rules:
        - allow: [Template]
kebap:
  delivery:
    mode: gitops
    gitops:
      repoPath: $work/gitops
YAML

start_backend() { # start_backend LOGFILE
  (cd "$KEBAP_ROOT" && KEBAP_DATA_DIR="$work/data" exec setsid yarn workspace backend start \
    --config "$KEBAP_ROOT/app-config.yaml" --config "$work/app-config.recovery.yaml" \
    >"$1" 2>&1) &
  backend_pgid=$!
  for _ in $(seq 1 180); do
    curl -sf "http://localhost:$port/.backstage/health/v1/readiness" >/dev/null && return 0
    kill -0 "$backend_pgid" 2>/dev/null || break
    sleep 1
  done
  tail -30 "$1" >&2
  return 1
}
api() { curl -sf -H "Authorization: Bearer $token" "$@"; }
task_field() { # task_field ID FIELD
  { api "http://localhost:$port/api/scaffolder/v2/tasks/$1" || true; } | node -e \
    "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{try{console.log(JSON.parse(s)['$2']??'')}catch{console.log('')}})"
}
commits_for() { # commits_for PART: commits whose message starts with "Order dev/<name> (<part>)"
  { git -C "$work/gitops" log --format=%s 2>/dev/null || true; } | grep -c "^Order dev/$name ($1)" || true
}
commit_of() { # commit_of PART: the commit of that part
  { git -C "$work/gitops" log --format='%H %s' 2>/dev/null || true; } | grep " Order dev/$name ($1)" | cut -d' ' -f1 || true
}

name="recovery$RANDOM"
start_backend "$work/backend-1.log" || { log "FAIL backend did not start"; failed=$((failed+1)); finish; }
log "backend is ready on port $port (PostgreSQL on $PG_TEST_PORT)"

template_in_catalog() {
  for _ in $(seq 1 60); do
    api "http://localhost:$port/api/catalog/entities/by-name/template/default/recovery-test" >/dev/null && return 0
    sleep 1
  done
  return 1
}
check "the catalog serves the test template" template_in_catalog

task_id="$( { api -X POST -H 'Content-Type: application/json' \
  "http://localhost:$port/api/scaffolder/v2/tasks" \
  -d "{\"templateRef\":\"template:default/recovery-test\",\"values\":{\"name\":\"$name\",\"owner\":\"group:default/team-payments\"}}" || true; } \
  | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{try{console.log(JSON.parse(s).id??'')}catch{console.log('')}})")"
[ -n "$task_id" ] || { log "FAIL could not create a task"; tail -20 "$work/backend-1.log" >&2; failed=$((failed+1)); finish; }
log "task $task_id ordering dev cluster $name"

first_part_committed() {
  for _ in $(seq 1 60); do
    [ "$(commits_for vcluster)" = 1 ] && return 0
    sleep 0.5
  done
  git -C "$work/gitops" log --format=%s >&2 || true
  return 1
}
check "the first part is committed before the kill" first_part_committed
vcluster_commit="$(commit_of vcluster)"
sleep 2
check "the task is still running (in the pause) when the backend is killed" \
  test "$(task_field "$task_id" status)" = processing
stop_backend KILL
log "backend killed with SIGKILL in the middle of task $task_id"

start_backend "$work/backend-2.log" || { log "FAIL backend did not start again"; failed=$((failed+1)); finish; }
log "backend started again"

task_completes() {
  local status=""
  for _ in $(seq 1 $(( wait_seconds * 2 + 120 ))); do
    status="$(task_field "$task_id" status)"
    case "$status" in completed) return 0 ;; failed|cancelled) break ;; esac
    sleep 1
  done
  log "task status: ${status:-unknown}"
  { api "http://localhost:$port/api/scaffolder/v2/tasks/$task_id/events" || true; } | tail -c 2000 >&2
  return 1
}
check "the task is recovered and completes after the restart" task_completes
events="$(api "http://localhost:$port/api/scaffolder/v2/tasks/$task_id/events" || true)"
check "the task was recovered (a 'recovered' event) and completed once" \
  test "$(grep -o '"type":"recovered"' <<<"$events" | wc -l)" -ge 1 -a \
       "$(grep -o '"type":"completion"' <<<"$events" | wc -l)" = 1
check "one commit for the vCluster part, the same as before the kill" \
  test "$(commits_for vcluster)" = 1 -a \
       "$(commit_of vcluster)" = "$vcluster_commit"
check "one commit for the registration part" test "$(commits_for registration)" = 1
# a dev cluster is its Application (Argo CD owns the namespace) and its
# registration, a SecretStore and an ExternalSecret
check "the order folder holds the 3 objects" \
  test "$(git -C "$work/gitops" ls-files "orders/dev/$name" 2>/dev/null | wc -l)" = 3
check "the working tree of the orders repository is clean" \
  test -z "$(git -C "$work/gitops" status --porcelain 2>&1)"
finish
