#!/usr/bin/env bash
# The README's demo, on a fresh machine: install what is missing, build, and run nixtag on the
# bundled example repo (a stale tag found, fixed, then clean).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-tools.sh
npm run --silent demo
