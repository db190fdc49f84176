#!/usr/bin/env bash
# The README's test command, on a fresh machine: install what is missing, then build, type-check,
# lint and run every test layer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-tools.sh pre-commit skopeo docker-registry jq apache2-utils openssl git-lfs yq kubectl
# The Nix-facing tests also run on a current Nix (Debian 13's 2.26, in a chroot); here they must.
NIXTAG_NIX226_BIN=$(bash scripts/ensure-nix226.sh)
export NIXTAG_NIX226_BIN NIXTAG_REQUIRE_SECOND_NIX=1
npm test
