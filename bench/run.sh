#!/usr/bin/env bash
# Runs a benchmark of bench/ (default: all) on the built packages.
# Usage: bash bench/run.sh [name ...]
source "$(dirname "$0")/../scripts/lib/toolchain.sh"
kebap_setup
for p in plugins/kebap-common plugins/kebap-node; do
  (cd "$KEBAP_ROOT/$p" && yarn backstage-cli package build >/dev/null)
done
names=("$@")
[ ${#names[@]} -gt 0 ] || names=($(cd "$KEBAP_ROOT/bench" && ls *.mts | sed "s/\\.mts$//"))
for n in "${names[@]}"; do
  node "$KEBAP_ROOT/bench/$n.mts"
done
