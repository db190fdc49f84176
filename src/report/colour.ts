/** Colour for a terminal; plain text anywhere else, and always with NO_COLOR (https://no-color.org). */
export interface Colours {
  red(text: string): string;
  green(text: string): string;
  bold(text: string): string;
}

const plain: Colours = { red: (text) => text, green: (text) => text, bold: (text) => text };

/**
 * Colour is marked with private-use characters, which the output escaping (escape.ts) leaves
 * alone, and turned into ANSI codes after it (renderColours): escaping a file name or a Nix
 * message never breaks nixtag's own colour. Other text holding these characters can at most
 * change colour (five SGR codes), never move the cursor or send other escape sequences.
 */
const MARKS: Record<string, string> = {
  '\uE000': '\x1b[31m',
  '\uE001': '\x1b[32m',
  '\uE002': '\x1b[1m',
  '\uE003': '\x1b[39m',
  '\uE004': '\x1b[22m',
};

const ansi: Colours = {
  red: (text) => `\uE000${text}\uE003`,
  green: (text) => `\uE001${text}\uE003`,
  bold: (text) => `\uE002${text}\uE004`,
};

/** Escaped output with nixtag's colour marks as ANSI codes. */
export function renderColours(text: string): string {
  return text.replace(/[\uE000-\uE004]/g, (mark) => MARKS[mark]!);
}

export function colours(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Colours {
  return stream.isTTY && !('NO_COLOR' in env && env.NO_COLOR !== '') ? ansi : plain;
}

export { plain as noColours };
