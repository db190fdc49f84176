import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';

/** One step of `nix-instantiate -A`: an attribute name, or a list index when all digits. */
export type AttrStep = { name: string } | { index: number };

/**
 * Parses an attribute path as Nix's parseAttrPath does: dots separate steps, a double-quoted
 * step may hold dots, and a step of digits selects a list element.
 */
export function parseAttrPath(path: string): AttrStep[] {
  const steps: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of path) {
    if (char === '"') quoted = !quoted;
    else if (char === '.' && !quoted) {
      steps.push(current);
      current = '';
    } else current += char;
  }
  if (quoted) {
    throw new NixtagError('CONFIG_INVALID', messages.attrPathUnclosedQuote(path));
  }
  if (path !== '') steps.push(current);
  if (steps.some((step) => step === '')) {
    throw new NixtagError('CONFIG_INVALID', messages.attrPathEmptyStep(path));
  }
  return steps.map((step) => (/^\d+$/.test(step) ? { index: Number(step) } : { name: step }));
}
