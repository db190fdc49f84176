/** The encodings YAML 1.2 allows a stream in (its section 5.2). */
export type ManifestEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'utf-32le' | 'utf-32be';

/** Why a file is not read as text: binary data, or bytes that are not the encoding they start as. */
export type Undecodable = 'binary' | 'not-utf8' | 'not-utf16' | 'not-utf32';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf16 = {
  'utf-16le': new TextDecoder('utf-16le', { fatal: true, ignoreBOM: true }),
  'utf-16be': new TextDecoder('utf-16be', { fatal: true, ignoreBOM: true }),
};

/**
 * The encoding of a stream as YAML 1.2 detects it from its first bytes: a byte order mark, or
 * without one the pattern of null bytes an ASCII first character leaves in UTF-16 and UTF-32.
 */
export function detectEncoding(bytes: Uint8Array): ManifestEncoding {
  const [a, b, c, d] = [bytes[0], bytes[1], bytes[2], bytes[3]];
  if (bytes.length >= 4 && a === 0 && b === 0 && (c === 0xfe ? d === 0xff : c === 0 && d !== 0)) return 'utf-32be';
  if (bytes.length >= 4 && c === 0 && d === 0 && ((a === 0xff && b === 0xfe) || (a !== 0 && b === 0)))
    return 'utf-32le';
  if (bytes.length >= 2 && ((a === 0xfe && b === 0xff) || (a === 0 && b !== 0))) return 'utf-16be';
  if (bytes.length >= 2 && ((a === 0xff && b === 0xfe) || (a !== 0 && b === 0))) return 'utf-16le';
  return 'utf-8';
}

/** Characters YAML 1.2 allows in a stream (its `c-printable`), U+FEFF included. */
const NOT_PRINTABLE = /[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;

function decodeUtf32(bytes: Uint8Array, littleEndian: boolean): string | undefined {
  if (bytes.length % 4 !== 0) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const points: number[] = [];
  let text = '';
  for (let offset = 0; offset < bytes.length; offset += 4) {
    const point = view.getUint32(offset, littleEndian);
    if (point > 0x10ffff || (point >= 0xd800 && point <= 0xdfff)) return undefined;
    points.push(point);
    if (points.length === 4096) text += String.fromCodePoint(...points.splice(0));
  }
  return text + String.fromCodePoint(...points);
}

/**
 * Decodes a manifest's bytes in the encoding it starts as, keeping a byte order mark as U+FEFF
 * so that encoding the text back gives the same bytes. UTF-8 holding a null byte is binary; UTF-16
 * or UTF-32 that decodes to characters YAML does not allow is binary data that merely looked like
 * it. Nothing is guessed at: content that is not its encoding is reported.
 */
export function decodeManifest(
  bytes: Uint8Array,
): { text: string; encoding: ManifestEncoding } | { undecodable: Undecodable } {
  const encoding = detectEncoding(bytes);
  if (encoding === 'utf-8') {
    if (bytes.includes(0)) return { undecodable: 'binary' };
    try {
      return { text: utf8.decode(bytes), encoding };
    } catch {
      return { undecodable: 'not-utf8' };
    }
  }
  let text: string | undefined;
  if (encoding === 'utf-16le' || encoding === 'utf-16be') {
    try {
      text = bytes.length % 2 === 0 ? utf16[encoding].decode(bytes) : undefined;
    } catch {
      text = undefined;
    }
    if (text === undefined) return { undecodable: 'not-utf16' };
  } else {
    text = decodeUtf32(bytes, encoding === 'utf-32le');
    if (text === undefined) return { undecodable: 'not-utf32' };
  }
  return NOT_PRINTABLE.test(text) ? { undecodable: 'binary' } : { text, encoding };
}

/** The bytes of `text` in `encoding`: the inverse of decodeManifest, BOM and all. */
export function encodeManifest(text: string, encoding: ManifestEncoding): Uint8Array {
  if (encoding === 'utf-8') return Buffer.from(text, 'utf8');
  if (encoding === 'utf-16le') return Buffer.from(text, 'utf16le');
  if (encoding === 'utf-16be') return Buffer.from(text, 'utf16le').swap16();
  const points = Array.from(text, (character) => character.codePointAt(0)!);
  const bytes = Buffer.alloc(points.length * 4);
  points.forEach((point, index) =>
    encoding === 'utf-32le' ? bytes.writeUInt32LE(point, index * 4) : bytes.writeUInt32BE(point, index * 4),
  );
  return bytes;
}
