#!/usr/bin/env bash
# Production-config boot test: starts Debian's PostgreSQL on a loopback port,
# boots the BUILT backend (the same bundle the container image runs) on
# app-config.yaml + app-config.production.yaml against it, checks it over
# HTTP, and stops everything it started.
source "$(dirname "$0")/lib/toolchain.sh"
source "$(dirname "$0")/lib/postgres.sh"
kebap_setup

work="$(mktemp -d /tmp/kebap-prod.XXXXXX)"
backend_pid=""
passed=0; failed=0
cleanup() {
  [ -n "$backend_pid" ] && kill "$backend_pid" 2>/dev/null && wait "$backend_pid" 2>/dev/null
  pg_test_stop
  rm -rf "$work"
}
trap cleanup EXIT

check() { # check NAME COMMAND...
  local name="$1"; shift
  if "$@"; then passed=$((passed+1)); log "ok   $name"; else failed=$((failed+1)); log "FAIL $name"; fi
}

if [ ! -f packages/backend/dist/bundle.tar.gz ] || [ ! -f packages/app/dist/index.html ]; then
  log "no build found: building app and backend"
  yarn tsc && yarn build:all >/dev/null
fi
bash scripts/prepare-backend-bundle.sh "$work/app"
pg_test_start

port=$(( 17000 + RANDOM % 1000 ))
token="kebap-prod-test-$RANDOM$RANDOM$RANDOM"
cat >"$work/app/app-config.test.yaml" <<YAML
backend:
  listen: ':$port'
  baseUrl: http://localhost:$port
  auth:
    externalAccess:
      - type: static
        options:
          token: $token
          subject: production-boot-test
app:
  baseUrl: http://localhost:$port
YAML
(cd "$work/app" && NODE_ENV=production exec node packages/backend \
  --config app-config.yaml --config app-config.production.yaml --config app-config.test.yaml \
  >"$work/backend.log" 2>&1) &
backend_pid=$!

ready=false
for _ in $(seq 1 120); do
  if curl -sf "http://localhost:$port/.backstage/health/v1/readiness" >/dev/null; then ready=true; break; fi
  kill -0 "$backend_pid" 2>/dev/null || break
  sleep 1
done
if ! $ready; then
  tail -40 "$work/backend.log" >&2
  echo "production: 0 passed, 1 failed"
  exit 1
fi
log "built backend is ready on port $port (PostgreSQL on $PG_TEST_PORT)"

api() { curl -sf -H "Authorization: Bearer $token" "http://localhost:$port$1"; }
catalog_has_portal() {
  for _ in $(seq 1 60); do
    api /api/catalog/entities/by-name/component/default/kebap-portal 2>/dev/null \
      | grep -q '"name":"kebap-portal"' && return 0
    sleep 1
  done
  return 1
}
catalog_has_org() { api '/api/catalog/entities?filter=kind=group' | grep -q '"name":"platform-team"'; }
actions_listed() {
  local ids; ids="$(api /api/scaffolder/v2/actions)" || return 1
  local id
  for id in pulumi:new pulumi:up kebap:vcluster:create kebap:argocd:cluster \
            kebap:pulumi:stack kebap:external-secret kebap:wait; do
    grep -q "\"id\":\"$id\"" <<<"$ids" || { echo "missing action $id" >&2; return 1; }
  done
}
serves_frontend() { curl -sf "http://localhost:$port/" | grep -q '<div id="root">'; }
uses_postgres() {
  PGPASSWORD="$POSTGRES_PASSWORD" psql -h 127.0.0.1 -p "$PG_TEST_PORT" -U kebap -d postgres -Atc \
    "select datname from pg_database" | grep -q '^backstage_plugin_catalog$'
}
rejects_anonymous() {
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://localhost:$port/api/catalog/entities")" = 401 ]
}

check "catalog serves the portal's own entity" catalog_has_portal
check "catalog holds the example organisation" catalog_has_org
check "scaffolder lists pulumi:new, pulumi:up and every kebap: action" actions_listed
check "backend serves the built frontend" serves_frontend
check "catalog data is stored in PostgreSQL" uses_postgres
check "anonymous API calls are refused" rejects_anonymous
if grep -qiE '"level":"error"|\berror\b.*startup' "$work/backend.log"; then
  grep -iE '"level":"error"' "$work/backend.log" | head -5 >&2
  failed=$((failed+1)); log "FAIL backend logged errors"
else
  passed=$((passed+1)); log "ok   backend logged no errors"
fi
echo "production: $passed passed, $failed failed"
[ "$failed" = 0 ]
