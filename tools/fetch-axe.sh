#!/usr/bin/env bash
# Refreshes the vendored axe-core the browser tests use (crates/server/tests/web/axe/).
# Usage: tools/fetch-axe.sh [VERSION]   (default 4.10.3)
set -euo pipefail
version="${1:-4.10.3}"
here="$(cd "$(dirname "$0")/.." && pwd)"
target="$here/crates/server/tests/web/axe"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
curl -fsSL -o "$work/axe.tgz" "https://registry.npmjs.org/axe-core/-/axe-core-${version}.tgz"
tar xzf "$work/axe.tgz" -C "$work"
cp "$work/package/axe.min.js" "$work/package/LICENSE" "$work/package/LICENSE-3RD-PARTY.txt" "$target/"
sed -i "s/axe-core [0-9.]* (Deque/axe-core ${version} (Deque/; s/axe-core-[0-9.]*\.tgz/axe-core-${version}.tgz/" "$target/SOURCE.txt"
echo "axe-core ${version} is in $target"
