/** Colour for a terminal; plain text anywhere else, and always with NO_COLOR (https://no-color.org). */
export interface Colours {
  red(text: string): string;
  green(text: string): string;
  bold(text: string): string;
}

const plain: Colours = { red: (text) => text, green: (text) => text, bold: (text) => text };

const ansi: Colours = {
  red: (text) => `\x1b[31m${text}\x1b[39m`,
  green: (text) => `\x1b[32m${text}\x1b[39m`,
  bold: (text) => `\x1b[1m${text}\x1b[22m`,
};

export function colours(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Colours {
  return stream.isTTY && !('NO_COLOR' in env && env.NO_COLOR !== '') ? ansi : plain;
}

export { plain as noColours };
