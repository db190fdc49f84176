#!/bin/sh
# Installs nixtag into a prefix from an npm package tarball, refusing it unless its sha512 is the
# one given (npm's `integrity` string, as `npm view nixtag@VERSION dist.integrity` or
# `npm pack --json` prints it): the step image's nixtag, never one from a workspace.
#
#   install-nixtag.sh TARBALL INTEGRITY [PREFIX]     (PREFIX: /opt/nixtag; the bin is PREFIX/bin/nixtag)
#
# npm runs in a directory of its own (no .npmrc, package.json or node_modules of a checkout is
# read there) and runs no install scripts. Exit 0: installed; 1: bad arguments; 2: the tarball is
# not the one pinned (nothing installed); other: npm failed.
set -eu
if [ "$#" -lt 2 ] || [ "$#" -gt 3 ]; then
  echo "usage: $0 TARBALL sha512-<base64> [PREFIX]" >&2
  exit 1
fi
tarball=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
integrity=$2
prefix=${3:-/opt/nixtag}
case "$integrity" in
  sha512-*) ;;
  *)
    echo "install-nixtag: the integrity must be sha512-<base64>, not: $integrity" >&2
    exit 1
    ;;
esac
actual=sha512-$(node -e '
  const { createHash } = require("node:crypto");
  const data = require("node:fs").readFileSync(process.argv[1]);
  process.stdout.write(createHash("sha512").update(data).digest("base64"));
' "$tarball")
if [ "$actual" != "$integrity" ]; then
  echo "install-nixtag: $tarball is not the pinned nixtag: its integrity is $actual, not $integrity" >&2
  exit 2
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"
npm install --global --prefix "$prefix" --omit=dev --ignore-scripts --no-audit --no-fund "$tarball"
"$prefix/bin/nixtag" --version
