#!/usr/bin/env bash
# Debian 13's Nix 2.26 in a chroot beside the machine's Nix (Debian 12: 2.8), so that the tests
# that matter on both (restrict-eval, process lifecycle) run on both: test/helpers/nix.ts finds it
# at $NIXTAG_TEST_NIX226 or /srv/nix226. Idempotent; about 45 s and ~150 MB the first time.
# Needs root (debootstrap, mount, chroot); without it, says so and does nothing.
set -euo pipefail
root="${NIXTAG_TEST_NIX226:-/srv/nix226}"
if [ "$(id -u)" -ne 0 ]; then
  echo "nix226: not root, so no Nix 2.26 chroot: the tests run on the machine's Nix only" >&2
  exit 0
fi
if [ ! -x "$root/usr/bin/nix-instantiate" ]; then
  command -v debootstrap >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  echo "nix226: debootstrap trixie into $root" >&2
  # Without libdbi-perl, nix-bin's configure step fails on libdbd-sqlite3-perl.
  debootstrap --variant=minbase --include=nix-bin,libdbi-perl,git,ca-certificates trixie "$root" \
    http://deb.debian.org/debian >/dev/null
fi
mkdir -p "$root/etc/nix"
grep -q '^build-users-group' "$root/etc/nix/nix.conf" 2>/dev/null || echo 'build-users-group =' >>"$root/etc/nix/nix.conf"
mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
mountpoint -q "$root/dev" || mount --rbind /dev "$root/dev"
# Repositories under /tmp must have the same path inside.
mountpoint -q "$root/tmp" || mount --bind /tmp "$root/tmp"
echo "nix226: $(chroot "$root" /usr/bin/nix-instantiate --version)" >&2
