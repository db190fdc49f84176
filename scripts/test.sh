#!/usr/bin/env bash
# The README's test command, on a fresh machine: install what is missing, then build, type-check,
# lint and run every test layer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-tools.sh pre-commit skopeo docker-registry jq apache2-utils openssl
npm test
