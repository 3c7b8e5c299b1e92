#!/usr/bin/env bash
# Usage: scripts/node-line.sh <major>
# Installs the newest official Node.js build of that major line (the node-<os>-<arch> package of
# the npm registry, the same binaries as nodejs.org) into .ci/node-<major> (gitignored, outside the
# packages) and prints its bin directory, e.g. PATH="$(scripts/node-line.sh 26):$PATH".
# A second run reuses the cache; NODE_LINE_REFRESH=1 fetches the line's newest release again.
set -euo pipefail
major="${1:-}"
[[ "$major" =~ ^[0-9]+$ ]] || { echo "usage: $0 <major>   (e.g. 22, 24, 26)" >&2; exit 2; }
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/.ci/node-$major"
platform="$(node -p 'process.platform === "win32" ? "win" : process.platform')"
arch="$(node -p process.arch)"
pkg="node-$platform-$arch"
bin="$dir/node_modules/$pkg/bin"

if [[ -n "${NODE_LINE_REFRESH:-}" || ! -x "$bin/node" ]]; then
  mkdir -p "$dir"
  # Its own package.json, so npm installs here and never walks up into the workspace.
  [[ -f "$dir/package.json" ]] || echo '{ "private": true }' >"$dir/package.json"
  # The binary needs no install script; run none. Run from $dir so the workspace's .npmrc is not read.
  (cd "$dir" && npm install --no-audit --no-fund --ignore-scripts --loglevel=error "$pkg@$major" >&2)
fi
version="$("$bin/node" --version)"
[[ "$version" == "v$major."* ]] || { echo "$bin/node is $version, not Node $major" >&2; exit 1; }
echo "$bin"
