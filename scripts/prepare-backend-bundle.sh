#!/usr/bin/env bash
# Unpacks the built backend (packages/backend/dist/{skeleton,bundle}.tar.gz)
# into DIR and installs its production dependencies only. The container image
# (Dockerfile) and the production boot test run exactly this script.
# Usage: scripts/prepare-backend-bundle.sh DIR
set -euo pipefail
dir="${1:?usage: prepare-backend-bundle.sh DIR}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dist="$root/packages/backend/dist"
[ -f "$dist/bundle.tar.gz" ] && [ -f "$dist/skeleton.tar.gz" ] \
  || { echo "no backend build in $dist: run 'yarn build:all' first" >&2; exit 1; }
mkdir -p "$dir"
tar xzf "$dist/skeleton.tar.gz" -C "$dir"
tar xzf "$dist/bundle.tar.gz" -C "$dir"
cp "$root/.yarnrc.yml" "$dir/"
cp -r "$root/app-config.yaml" "$root/app-config.production.yaml" \
  "$root/catalog-info.yaml" "$root/catalog" "$root/templates" "$dir/"
(cd "$dir" && yarn workspaces focus --all --production >"$dir/.focus.log" 2>&1) \
  || { tail -30 "$dir/.focus.log" >&2; exit 1; }
echo "backend bundle ready in $dir" >&2
