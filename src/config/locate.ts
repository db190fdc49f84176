import type { Location } from '../errors.js';

/** A key path in a configuration, as zod names it: `['images', 0, 'repository']`. */
export type KeyPath = ReadonlyArray<string | number>;

/** Finds where a key (or its value) is written in the configuration file. */
export type ConfigLocator = (keyPath: KeyPath, part: 'key' | 'value') => Location;

/**
 * Where the keys of a configuration are written: `text` is the file as read (YAML or JSON, which
 * YAML reads too), the configuration itself under `prefix` (`['nixtag']` in package.json). A
 * file that is code (.js, .ts) has no positions: its locations name the file alone. A key that is
 * not written there is located at its nearest written parent. Loads the YAML parser, so it is
 * built only for an error.
 */
export async function configLocator(
  file: string,
  text: string | undefined,
  prefix: KeyPath = [],
): Promise<ConfigLocator> {
  if (text === undefined || /\.(c|m)?(j|t)s$/.test(file)) return () => ({ file });
  const { LineCounter, parseDocument, isMap, isSeq, isScalar } = await import('yaml');
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines });
  const at = (offset: number): Location => {
    const { line, col } = lines.linePos(offset);
    return { file, line, column: col };
  };
  return (keyPath, part) => {
    let node: unknown = document.contents;
    let found: Location = { file };
    const steps = [...prefix, ...keyPath];
    for (const [index, step] of steps.entries()) {
      if (isMap(node)) {
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(step));
        if (pair === undefined || !isScalar(pair.key) || pair.key.range == null) return found;
        if (index === steps.length - 1 && part === 'key') return at(pair.key.range[0]);
        found = at(pair.key.range[0]);
        node = pair.value;
      } else if (isSeq(node) && typeof step === 'number') {
        node = node.items[step];
      } else return found;
      const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
      if (range == null) return found;
      found = at(range[0]);
    }
    return found;
  };
}
