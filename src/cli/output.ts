import { escapeText } from '../escape.js';
import { renderColours } from '../report/colour.js';

/** Where the CLI writes: results to stdout, warnings and errors to stderr. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

/**
 * Text is written escaped: a file name or a Nix message holding terminal escape codes is shown
 * with them in octal, as git shows such names (JSON is escaped by report/json.ts already);
 * nixtag's own colour marks become ANSI codes after that (report/colour.ts).
 */
export const processOutput: Output = {
  out: (text) => {
    if (text) process.stdout.write(`${renderColours(escapeText(text))}\n`);
  },
  err: (text) => {
    if (text) process.stderr.write(`${renderColours(escapeText(text))}\n`);
  },
};
