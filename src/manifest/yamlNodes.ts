import type { Scalar } from 'yaml';

/** A scalar's value as text (`1.0` stays `1.0`); undefined for anything that is not text-like. */
export function scalarText(node: Scalar): string | undefined {
  if (typeof node.value === 'string') return node.value;
  if (typeof node.value === 'number' || typeof node.value === 'boolean' || node.value === null) {
    return node.source ?? String(node.value);
  }
  return undefined;
}
