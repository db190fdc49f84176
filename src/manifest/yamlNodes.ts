import { visit, type Document, type Scalar } from 'yaml';

/** A scalar's value as text (`1.0` stays `1.0`); undefined for anything that is not text-like. */
export function scalarText(node: Scalar): string | undefined {
  if (typeof node.value === 'string') return node.value;
  if (typeof node.value === 'number' || typeof node.value === 'boolean' || node.value === null) {
    return node.source ?? String(node.value);
  }
  return undefined;
}

/**
 * Gives every `!!binary` scalar the text its bytes spell, as go-yaml decodes it into a string
 * field: kubectl, kustomize and Helm deploy `image: !!binary <base64>` as the image it spells,
 * so every shape reads it as that text. Its source is the base64, so a rewrite finds no literal
 * place for the tag (edit.ts) and refuses it.
 */
export function decodeBinaryScalars(doc: Document, text: string): void {
  // A tag that makes a scalar binary spells `binary`, or escapes it in a URI (`%62inary`): most
  // files need no visit at all.
  if (!text.includes('binary') && !text.includes('%')) return;
  visit(doc, {
    Scalar(_, node) {
      if (node.value instanceof Uint8Array) node.value = new TextDecoder().decode(node.value);
    },
  });
}
