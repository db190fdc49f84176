#!/bin/sh
# Installs nixtag into a prefix from an npm package, refusing it unless its sha512 is the one
# given (npm's `integrity` string, as `npm view nixtag@VERSION dist.integrity` or `npm pack --json`
# prints it): the step image's nixtag, never one from a workspace.
#
#   install-nixtag.sh PACKAGE INTEGRITY [PREFIX]     (PREFIX: /opt/nixtag; the bin is PREFIX/bin/nixtag)
#
# PACKAGE is a package tarball (a file) or what `npm pack` fetches (nixtag@0.1.0). npm runs in a
# directory of its own (no .npmrc, package.json or node_modules of a checkout is read there) and
# runs no install scripts. Exit 0: installed; 1: bad arguments; 2: the package is not the one
# pinned (nothing installed); other: npm failed.
set -eu
if [ "$#" -lt 2 ] || [ "$#" -gt 3 ]; then
  echo "usage: $0 PACKAGE sha512-<base64> [PREFIX]" >&2
  exit 1
fi
package=$1
integrity=$2
prefix=${3:-/opt/nixtag}
case "$integrity" in
  sha512-*) ;;
  *)
    echo "install-nixtag: the integrity must be sha512-<base64>, not: $integrity" >&2
    exit 1
    ;;
esac
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
if [ -f "$package" ]; then
  tarball=$(cd "$(dirname "$package")" && pwd)/$(basename "$package")
else
  tarball=$scratch/$(cd "$scratch" && npm pack --silent --ignore-scripts "$package")
fi
actual=sha512-$(node -e '
  const { createHash } = require("node:crypto");
  const data = require("node:fs").readFileSync(process.argv[1]);
  process.stdout.write(createHash("sha512").update(data).digest("base64"));
' "$tarball")
if [ "$actual" != "$integrity" ]; then
  echo "install-nixtag: $package is not the pinned nixtag: its integrity is $actual, not $integrity" >&2
  exit 2
fi
cd "$scratch"
npm install --global --prefix "$prefix" --omit=dev --ignore-scripts --no-audit --no-fund "$tarball"
"$prefix/bin/nixtag" --version
