/** Why a file is not read as text. */
export type Undecodable = 'binary' | 'not-utf8';

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes a manifest's bytes, keeping a BOM as U+FEFF so that writing the text back gives the
 * same bytes. Binary (a NUL byte) and non-UTF-8 content is reported, never guessed at.
 */
export function decodeManifest(bytes: Uint8Array): { text: string } | { undecodable: Undecodable } {
  if (bytes.includes(0)) return { undecodable: 'binary' };
  try {
    return { text: decoder.decode(bytes) };
  } catch {
    return { undecodable: 'not-utf8' };
  }
}
