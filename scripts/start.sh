#!/usr/bin/env bash
# Starts the portal on the embedded defaults: frontend on :3000 (hot reload),
# backend on :7007, SQLite under data/. Sets itself up first.
source "$(dirname "$0")/lib/toolchain.sh"
kebap_setup
mkdir -p "$KEBAP_ROOT/data"
log "starting the portal: http://localhost:3000 (backend http://localhost:7007)"
exec yarn start
