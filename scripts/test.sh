#!/usr/bin/env bash
# The README's test command, on a fresh machine: install what is missing, then build, type-check,
# lint and run every test layer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-tools.sh pre-commit skopeo docker-registry jq apache2-utils openssl
# Nix 2.26 beside the machine's Nix, so the tests run on both (NIXTAG_NIX226=0 skips it).
if [ "${NIXTAG_NIX226:-1}" != 0 ]; then
  bash scripts/nix226.sh || echo "test.sh: no Nix 2.26 chroot; the tests run on the machine's Nix only" >&2
fi
npm test
