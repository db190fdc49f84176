#!/usr/bin/env bash
# A second Nix for the tests: Debian 13's nix-bin (2.26) in a chroot beside the machine's own
# (Debian 12's 2.8), with shims on a PATH directory that run it. Needs root; about 45 s the first
# time (debootstrap from Debian's archive), instant afterwards. Prints the shim directory.
#   NIXTAG_NIX226_ROOT  the chroot (default /srv/nix226)
#   NIXTAG_NIX226_BIN   the shim directory (default /srv/nix226-bin)
set -euo pipefail

root=${NIXTAG_NIX226_ROOT:-/srv/nix226}
bin=${NIXTAG_NIX226_BIN:-/srv/nix226-bin}
tmp=${TMPDIR:-/tmp}

if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-nix226: needs root (chroot, mount); the second Nix is not available" >&2
  exit 1
fi

if [ ! -x "$root/usr/bin/nix-instantiate" ]; then
  echo "ensure-nix226: installing Debian 13's nix-bin in $root" >&2
  if ! command -v debootstrap >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
  fi
  rm -rf "$root.partial"
  # Without libdbi-perl nix-bin's configure step fails on libdbd-sqlite3-perl.
  debootstrap --variant=minbase --include=nix-bin,libdbi-perl,git,ca-certificates \
    trixie "$root.partial" http://deb.debian.org/debian >/dev/null
  mv "$root.partial" "$root"
fi

mkdir -p "$root/etc/nix"
grep -q '^build-users-group *=' "$root/etc/nix/nix.conf" 2>/dev/null ||
  echo 'build-users-group =' >>"$root/etc/nix/nix.conf"
# Each call runs in a private mount namespace of its own: /proc, /dev and the temporary directory
# (repositories under it have the same path inside) are mounted there and vanish with the process,
# so nothing stays mounted on the machine (and `rm -rf` of the chroot cannot reach the host's /tmp).
mkdir -p "$root$tmp" "$bin"
cat >"$bin/.in-chroot.partial" <<'RUNNER'
#!/bin/sh
# .in-chroot ROOT TMP TOOL ARGS...: TOOL of the chroot at ROOT, in the caller's directory.
root=$1 tmp=$2 tool=$3
shift 3
exec unshare --mount --propagation private -- /bin/sh -c '
root=$1 tmp=$2 tool=$3 cwd=$4
shift 4
mount -t proc proc "$root/proc" && mount --rbind /dev "$root/dev" && mount --bind "$tmp" "$root$tmp" || exit 125
exec chroot "$root" /bin/sh -c "cd \"\$0\" 2>/dev/null || cd /; exec \"\$@\"" "$cwd" "/usr/bin/$tool" "$@"
' in-chroot "$root" "$tmp" "$tool" "$PWD" "$@"
RUNNER
chmod +x "$bin/.in-chroot.partial"
mv "$bin/.in-chroot.partial" "$bin/.in-chroot"
for tool in nix-instantiate nix-store nix-prefetch-url nix; do
  printf '#!/bin/sh\nexec %s %s %s %s "$@"\n' "$bin/.in-chroot" "$root" "$tmp" "$tool" >"$bin/$tool.partial"
  chmod +x "$bin/$tool.partial"
  mv "$bin/$tool.partial" "$bin/$tool"
done

version=$("$bin/nix-instantiate" --version)
case "$version" in
  *" 2.26."*) ;;
  *) echo "ensure-nix226: $bin/nix-instantiate reports '$version', not 2.26" >&2; exit 1 ;;
esac
echo "$bin"
