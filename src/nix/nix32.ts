/** Nix's base-32 alphabet: digits and letters without e, o, t and u. */
const ALPHABET = '0123456789abcdfghijklmnpqrsvwxyz';

/** Bytes in Nix's base 32, which reads the hash from its last bits (printHash32 in Nix). */
export function toNix32(bytes: Uint8Array): string {
  const length = Math.ceil((bytes.length * 8) / 5);
  let text = '';
  for (let n = length - 1; n >= 0; n--) {
    const bit = n * 5;
    const index = Math.floor(bit / 8);
    const shift = bit % 8;
    const value = (bytes[index]! >> shift) | (index + 1 < bytes.length ? bytes[index + 1]! << (8 - shift) : 0);
    text += ALPHABET[value & 0x1f];
  }
  return text;
}

/** A sha256 as a pin may write it (nix-base32, base16, or SRI `sha256-<base64>`), in nix-base32. */
export function sha256Nix32(hash: string): string {
  if (hash.startsWith('sha256-')) return toNix32(Buffer.from(hash.slice('sha256-'.length), 'base64'));
  return /^[0-9a-fA-F]{64}$/.test(hash) ? toNix32(Buffer.from(hash, 'hex')) : hash;
}
