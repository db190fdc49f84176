import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** What a complete checkout holds, as recorded beside it. */
export interface CheckoutState {
  /** The tree id checked out. */
  tree: string;
  /** The tree has `.gitattributes` files: updates go through git, which applies them. */
  attributes: boolean;
  /** Submodules checked out at their recorded commits: all, none, or some (commits missing here). */
  submodules: 'all' | 'none' | 'partial';
  /** LFS files hold their content (git-lfs smudged them), not their pointers. */
  lfs: boolean;
  /**
   * Names the full checkout the files come from; updates keep it. A file of the checkout changes
   * only when its blob does, or in a new full checkout, or in a repair of files changed behind
   * nixtag, which renews it (remembered scans rely on it).
   */
  made: string;
}

/** How long a full checkout's files are trusted: it lives in a temporary directory (records.ts). */
const TRUSTED_FOR_MS = 2 * 24 * 60 * 60 * 1000;

const TREE = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/**
 * What a checked-out tree under `…/nixtag/trees/<slot>/<name>` holds: its state recorded
 * beside it once its files are complete, and a marker (`<name>.updating`) that is present while
 * an update writes files. A checkout with the marker, or without a record, or whose full checkout
 * is two days old (a cleaner of temporary directories may have removed files it did not write
 * since), is not trusted: the next run checks it out again in full.
 */
export function checkoutRecord(slotDirectory: string, checkoutName: string) {
  const workTree = path.join(slotDirectory, checkoutName);
  const record = path.join(slotDirectory, `${checkoutName}.tree`);
  const marker = path.join(slotDirectory, `${checkoutName}.updating`);
  return {
    workTree,
    /** What the checkout holds, when it is complete. */
    trusted(): CheckoutState | undefined {
      if (!existsSync(workTree) || existsSync(marker) || !existsSync(record)) return undefined;
      const [tree = '', flags = ''] = readFileSync(record, 'utf8').split('\n');
      if (!TREE.test(tree)) return undefined;
      const submodules = /submodules=(all|none|partial)/.exec(flags)?.[1] as CheckoutState['submodules'] | undefined;
      const made = /made=(\S+)/.exec(flags)?.[1];
      if (made === undefined) return undefined; // recorded by an older nixtag: checked out again
      // A full checkout is the newest time of every file it wrote: one younger than the cleaners
      // of temporary directories wait (3 days, macOS's; 10 for /tmp, 30 for /var/tmp) has lost none.
      const madeAt = Number.parseInt(made.split('-')[0] ?? '', 36);
      if (!(Date.now() - madeAt < TRUSTED_FOR_MS)) return undefined;
      // Submodules laid out before `.gitmodules` decided which a clone leaves empty (update = none,
      // a gitlink no section names): they may hold content CI's clone lacks, so checked out again.
      if (submodules !== 'none' && !/(^| )gitmodules( |$)/.test(flags)) return undefined;
      const lfs = /(^| )lfs=1( |$)/.test(flags);
      return { tree, attributes: flags.includes('attributes'), submodules: submodules ?? 'partial', lfs, made };
    },
    // A few bytes each, on the path of every update: written synchronously, which costs less
    // than two rounds through the thread pool.
    /** Before the first file is written. */
    beginUpdate(from: string): void {
      writeFileSync(marker, from);
    },
    /** After the last file is written: the checkout holds `state`. */
    complete(state: CheckoutState): void {
      const flags = `${state.attributes ? 'attributes ' : ''}submodules=${state.submodules} gitmodules lfs=${state.lfs ? 1 : 0} made=${state.made}`;
      writeFileSync(record, `${state.tree}\n${flags}\n`);
      rmSync(marker, { force: true });
    },
  };
}
