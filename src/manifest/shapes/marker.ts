import type { Scalar } from 'yaml';
import { valueKind } from '../reference.js';
import { scalarText } from '../yamlNodes.js';
import type { Occurrence, OccurrenceForm, ReferenceShape } from './types.js';

const MARKER = /^\s*\{\s*"\$nixtag"\s*:\s*"([^"]+)"\s*\}\s*$/;

/** A marker whose kind does not fit the value it sits on: an error, never a rewrite. */
export class MarkerMismatchError extends Error {
  constructor(
    readonly node: Scalar,
    readonly marker: string,
    readonly markerKind: OccurrenceForm,
    readonly text: string,
    /** Where the value starts in the manifest, once known. */
    public offset: number | undefined = node.range?.[0],
  ) {
    super(`marker ${marker} does not fit ${text}`);
  }
}

/**
 * Any scalar marked by a trailing comment in the style of Flux's image-automation setters:
 * `# {"$nixtag": "NAME"}` on a whole reference, `# {"$nixtag": "NAME:tag"}` on a tag. A marker
 * says what a scalar is, over what its position suggested, but only when the value is what the
 * marker says: a tag marker on a whole reference (or the reverse) is refused. A whole-reference
 * marker on the repository beside a tag key binds that tag's occurrence to the image.
 */
export const marker: ReferenceShape = {
  context: 'marker',
  keywords: ['$nixtag'],
  commented(nodes, { found }) {
    for (const node of nodes) {
      const name = node.comment ? MARKER.exec(node.comment)?.[1] : undefined;
      const text = node.value === null ? '' : scalarText(node);
      if (name === undefined || text === undefined) continue;
      const kind: OccurrenceForm = name.endsWith(':tag') ? 'tag' : 'reference';
      const markerImage = kind === 'tag' ? name.slice(0, -':tag'.length) : name;
      const owner = [...found.values()].find((occurrence) => occurrence.repositoryNode === node);
      if (owner !== undefined && kind === 'reference') {
        owner.markerImage = markerImage;
        continue;
      }
      if (text !== '' && valueKind(text) !== kind) throw new MarkerMismatchError(node, name, kind, text);
      const previous: Occurrence = found.get(node) ?? { form: kind, context: 'marker', node, text };
      found.set(node, { ...previous, form: kind, text, markerImage, markerKind: kind });
    }
  },
};
