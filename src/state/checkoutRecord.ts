import { existsSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * What a checked-out tree under `.git/nixtag/trees/<slot>/<name>` holds: the tree id recorded
 * beside it once its files are complete, and a marker (`<name>.updating`) that is present while
 * an update writes files. A checkout with the marker, or without a record, is not trusted: the
 * next run checks it out again in full.
 */
export function checkoutRecord(slotDirectory: string, checkoutName: string) {
  const workTree = path.join(slotDirectory, checkoutName);
  const record = path.join(slotDirectory, `${checkoutName}.tree`);
  const marker = path.join(slotDirectory, `${checkoutName}.updating`);
  return {
    workTree,
    /** The tree the checkout holds, when it is complete. */
    trusted(): string | undefined {
      if (!existsSync(workTree) || existsSync(marker) || !existsSync(record)) return undefined;
      const tree = readFileSync(record, 'utf8').trim();
      return /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(tree) ? tree : undefined;
    },
    /** Before the first file is written. */
    async beginUpdate(from: string): Promise<void> {
      await writeFile(marker, from);
    },
    /** After the last file is written: the checkout holds `tree`. */
    async complete(tree: string): Promise<void> {
      await writeFile(record, tree);
      await rm(marker, { force: true });
    },
  };
}
