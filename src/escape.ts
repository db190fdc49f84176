/**
 * Text from outside nixtag (file names, Nix's and git's messages) is printed escaped, so that a
 * file named with terminal escape codes, or an expression that throws them, cannot drive the
 * user's terminal.
 */

const C_ESCAPES: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\t': '\\t',
  '\n': '\\n',
  '\v': '\\v',
  '\f': '\\f',
  '\r': '\\r',
  '"': '\\"',
  '\\': '\\\\',
};

const octal = (byte: number) => `\\${byte.toString(8).padStart(3, '0')}`;

/**
 * A file name as git prints it (core.quotePath, the default): unchanged when it holds only
 * printable ASCII other than `"` and `\`; otherwise in double quotes, with C escapes and every
 * other control or non-ASCII byte in octal.
 */
export function quoteName(name: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[\x00-\x1f\x7f-\uffff"\\]/.test(name)) return name;
  let quoted = '';
  for (const byte of Buffer.from(name, 'utf8')) {
    const character = String.fromCharCode(byte);
    quoted += C_ESCAPES[character] ?? (byte < 0x20 || byte >= 0x7f ? octal(byte) : character);
  }
  return `"${quoted}"`;
}

/**
 * Multi-line text from a tool: line breaks and tabs stay, every other control character
 * (ESC, CR, BEL, C1 controls) is shown in octal as git shows it in names. Other text is unchanged.
 */
export function escapeText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]/g, (character) => {
    const code = character.charCodeAt(0);
    return code < 0x80 ? octal(code) : [...Buffer.from(character, 'utf8')].map(octal).join('');
  });
}
