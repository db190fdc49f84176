#!/usr/bin/env bash
# What `npm test` runs before the tests: build, type-check and lint, side by side (each is mostly
# one process on one core). Every one runs to the end; the status is non-zero if any failed, and
# each one's output is printed whole, after it ends.
set -uo pipefail
cd "$(dirname "$0")/.."
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
tasks=(build typecheck lint)
pids=()
for task in "${tasks[@]}"; do
  npm run --silent "$task" >"$logs/$task" 2>&1 &
  pids+=("$!")
done
status=0
for index in "${!tasks[@]}"; do
  task=${tasks[$index]}
  if wait "${pids[$index]}"; then
    echo "checks: $task passed"
  else
    status=1
    echo "checks: $task FAILED:" >&2
  fi
  cat "$logs/$task"
done
exit "$status"
