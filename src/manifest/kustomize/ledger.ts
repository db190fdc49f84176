import type { ReplacementWrite } from './types.js';

/** What the replacements and vars write, in order, and what each write reaches or reads. */
export interface Ledger {
  /** Every write, in order (one that reaches no node: pushed here alone). */
  writes: ReplacementWrite[];
  /** Writes of a piece of a value (a delimiter), judged on the value they leave: known only when they alone write it. */
  pieceWrites: Array<{ write: ReplacementWrite; node: unknown }>;
  /** What each replacement writes, and the nodes its source reads: not known when something writes them first. */
  sourced: Array<{ writes: ReplacementWrite[]; read: unknown[] }>;
  /** A write that reaches a node of a resource. */
  record: (write: ReplacementWrite, node: unknown) => void;
  /** Every write, its source dropped where something else writes what it meets or reads. */
  settle: () => ReplacementWrite[];
}

/** An empty ledger, for one evaluation of every replacement and var. */
export function ledger(): Ledger {
  const writes: ReplacementWrite[] = [];
  /** The writes that reach each node of a resource. */
  const byNode = new Map<unknown, ReplacementWrite[]>();
  const pieceWrites: Ledger['pieceWrites'] = [];
  const sourced: Ledger['sourced'] = [];
  const record = (write: ReplacementWrite, node: unknown): void => {
    writes.push(write);
    const known = byNode.get(node);
    if (known === undefined) byNode.set(node, [write]);
    else known.push(write);
  };
  const settle = (): ReplacementWrite[] => {
    // A piece written where something else writes too: what it meets is not known.
    for (const { write, node } of pieceWrites) if ((byNode.get(node)?.length ?? 0) > 1) write.source = undefined;
    // A source another replacement or a var writes: what it reads is not what the resource holds.
    for (const { writes: own, read } of sourced) {
      if (read.some((node) => byNode.has(node))) for (const write of own) write.source = undefined;
    }
    return writes;
  };
  return { writes, pieceWrites, sourced, record, settle };
}
