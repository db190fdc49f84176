#!/usr/bin/env bash
# Installs the system tools nixtag's demo and tests need when they are missing (Debian/Ubuntu):
# Nix (single-user, from Debian's nix-bin) and git; the tools named as arguments too (the registry
# tests: skopeo, docker-registry, jq, apache2-utils for htpasswd, openssl; git-lfs for LFS checkouts; yq, the pipeline's YAML reader; kubectl, whose kustomize is the oracle of kustomize's images). Node >= 22 comes from npm (the `node` dev
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
    jq) command -v jq >/dev/null 2>&1 || missing+=(jq) ;;
    openssl) command -v openssl >/dev/null 2>&1 || missing+=(openssl) ;;
    apache2-utils) command -v htpasswd >/dev/null 2>&1 || missing+=(apache2-utils) ;;
    git-lfs) command -v git-lfs >/dev/null 2>&1 || missing+=(git-lfs) ;;
    yq) command -v yq >/dev/null 2>&1 || missing+=(yq) ;;
    kubectl) command -v kubectl >/dev/null 2>&1 || missing+=(kubernetes-client) ;;
    *) missing+=("$extra") ;;
  esac
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "ensure-tools: installing ${missing[*]}" >&2
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  # docker-registry's package would start a system registry on :5000 (all interfaces): the tests
  # start their own on 127.0.0.1, so no service may start, now or at boot.
  no_starts=false
  if [[ " ${missing[*]} " == *" docker-registry "* && ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee /usr/sbin/policy-rc.d >/dev/null
    "${sudo[@]}" chmod 755 /usr/sbin/policy-rc.d
    no_starts=true
  fi
  # Debian's git-lfs turns its filter on for every repository of the machine (`git lfs install
  # --system` edits /etc/gitconfig): the machine's git configuration is left byte for byte as it
  # was, and the tests give git-lfs to the repositories that ask for it, as a user's `git lfs
  # install` would.
  gitconfig_saved=$(mktemp)
  gitconfig_existed=false
  if [ -f /etc/gitconfig ]; then cp -p /etc/gitconfig "$gitconfig_saved" && gitconfig_existed=true; fi
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ "$gitconfig_existed" = true ]; then
    cmp -s "$gitconfig_saved" /etc/gitconfig || "${sudo[@]}" cp -p "$gitconfig_saved" /etc/gitconfig
  else
    "${sudo[@]}" rm -f /etc/gitconfig
  fi
  rm -f "$gitconfig_saved"
  if [ "$no_starts" = true ]; then "${sudo[@]}" rm -f /usr/sbin/policy-rc.d; fi
  if [[ " ${missing[*]} " == *" docker-registry "* ]]; then
    if [ -d /run/systemd/system ]; then
      "${sudo[@]}" systemctl disable --now docker-registry.service >/dev/null 2>&1 || true
    else
      "${sudo[@]}" systemctl disable docker-registry.service >/dev/null 2>&1 || true
    fi
    "${sudo[@]}" update-rc.d docker-registry disable >/dev/null 2>&1 || true
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
