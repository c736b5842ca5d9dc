#!/usr/bin/env bash
# Refreshes the vendored upstream schemas (upstream/, listed in
# upstream/sources.tsv) from a folder laid out like upstream/ (default:
# ../shared beside the checkout) or, with --download, from each project's
# public repository at the commit sources.tsv names.
# Usage: scripts/refresh-upstream.sh [SOURCE_DIR | --download]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
src="${1:-$root/../shared}"
changed=0
while IFS=$'\t' read -r file repo path commit _release; do
  [ -z "$file" ] || [ "${file#\#}" != "$file" ] && continue
  dest="$root/upstream/$file"
  tmp="$(mktemp)"
  if [ "$src" = --download ]; then
    # GitHub serves a file at a commit under /<repo>/<commit>/<path> of its raw host
    curl -fsSL "https://raw.githubusercontent.com/$repo/$commit/$path" -o "$tmp" \
      || { rm -f "$tmp"; echo "could not download $repo@$commit:$path" >&2; exit 1; }
  else
    [ -f "$src/$file" ] || { rm -f "$tmp"; echo "missing: $src/$file" >&2; exit 1; }
    cp "$src/$file" "$tmp"
  fi
  if cmp -s "$tmp" "$dest" 2>/dev/null; then state=unchanged; else state=updated; changed=$((changed + 1)); fi
  mkdir -p "$(dirname "$dest")"; mv "$tmp" "$dest"
  printf '%s  %s  %s\n' "$(sha256sum "$dest" | cut -c1-16)" "$state" "$file"
done <"$root/upstream/sources.tsv"
echo "$changed file(s) changed"
