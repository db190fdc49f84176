#!/usr/bin/env bash
# Installs the system tools nixtag's demo and tests need when they are missing (Debian/Ubuntu):
# Nix (single-user, from Debian's nix-bin) and git. Node >= 22 comes from npm (the `node` dev
# dependency), so the machine's own Node may be older.
set -euo pipefail

missing=()
command -v git >/dev/null 2>&1 || missing+=(git)
command -v nix-instantiate >/dev/null 2>&1 || missing+=(nix-bin)
for extra in "$@"; do
  case "$extra" in
    skopeo) command -v skopeo >/dev/null 2>&1 || missing+=(skopeo) ;;
    docker-registry) command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry) ;;
    pre-commit) command -v pre-commit >/dev/null 2>&1 || missing+=(pre-commit) ;;
    *) missing+=("$extra") ;;
  esac
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "ensure-tools: installing ${missing[*]}" >&2
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
