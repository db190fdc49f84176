#!/usr/bin/env bash
# Runs nixtag on a copy of examples/hello-world as a user would in their own repo.
# Called by `npm run demo`, so `node` is the project's Node >= 22.
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
nixtag() { node "$here/dist/cli/bin.js" "$@"; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# nixtag's checkouts live in the temporary directory (docs/cache-and-lock.md): the demo's go with it.
export TMPDIR="$work"
repo="$work/hello-world"
cp -R "$here/examples/hello-world" "$repo"
cd "$repo"
git init --quiet --initial-branch main
git add --all
git -c user.name=demo -c user.email=demo@example.com commit --quiet -m "hello-world with a stale image tag"

# Bold only on a terminal, and never with NO_COLOR: a log or a pipe gets plain text.
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$(printf '\033[1m') plain=$(printf '\033[0m'); else bold='' plain=''; fi
step() { printf '\n%s$ %s%s\n' "$bold" "$*" "$plain"; }

step nixtag hash
nixtag hash

step nixtag check
nixtag check
echo "(exit $?: the tag in k8s/deployment.yaml is stale, the pipeline would fail)"

step nixtag fix
nixtag fix
echo "(exit $?)"

step git diff
git --no-pager diff

step nixtag check
nixtag check
status=$?
echo "(exit $status: up to date)"

step nixtag doctor
nixtag doctor
echo "(exit $?: a filtered, named source; nothing makes this machine's tag differ from CI's)"
exit "$status"
