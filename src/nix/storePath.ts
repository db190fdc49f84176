/** The alphabet of Nix's base-32 hashes: digits and letters without e, o, t and u. */
const NIX_HASH_PATTERN = /^[0-9abcdfghijklmnpqrsvwxyz]{32}$/;

export function isNixHash(value: string): boolean {
  return NIX_HASH_PATTERN.test(value);
}

/**
 * The hash part of a store path, as n2k8s computes it with `cut -d/ -f4 | cut -d- -f1`:
 * `/nix/store/<hash>-<name>` -> `<hash>`. Returns undefined for anything that is not a store path.
 */
export function storePathHashPart(storePath: string): string | undefined {
  const base = storePath.slice(storePath.lastIndexOf('/') + 1);
  const hash = base.split('-', 1)[0] ?? '';
  return base.length > 33 && base[32] === '-' && isNixHash(hash) ? hash : undefined;
}
