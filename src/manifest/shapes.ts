import { argoHelmSources, argoKustomizeImages } from './shapes/argo.js';
import { imageKeys } from './shapes/imageKeys.js';
import { kustomizeImages } from './shapes/kustomize.js';
import { marker } from './shapes/marker.js';
import { valuesData } from './shapes/valuesData.js';
import type { ReferenceShape } from './shapes/types.js';

export type { Occurrence, OccurrenceContext, OccurrenceForm, ReferenceShape, ShapeContext } from './shapes/types.js';
export { MarkerMismatchError } from './shapes/marker.js';

/**
 * Every shape nixtag manages, one entry each (their code is in shapes/); the prefilter and the
 * locator both read this list. The marker comes last: it may override what the others found.
 */
export const REFERENCE_SHAPES: readonly ReferenceShape[] = [
  imageKeys,
  kustomizeImages,
  argoHelmSources,
  argoKustomizeImages,
  valuesData,
  marker,
];

const escape = (word: string) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Words without which a file cannot hold a reference: such files are not parsed at all. A
 * backslash lets a file through too: a double-quoted key can spell a word by escapes
 * (`"im\x61ge"`, an anchor `&k "\u0069mage"` used as an alias key), which every reader reads
 * as the word.
 */
export const MAY_HOLD_REFERENCE = new RegExp(
  [...REFERENCE_SHAPES.flatMap((shape) => shape.keywords), '\\'].map(escape).join('|'),
);
