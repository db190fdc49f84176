import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import type { ImageEvaluation } from '../nix/evaluate.js';
import { expectedReference, planRewrite, readReference, repositoryRebound } from '../manifest/resolve.js';
import type { TagChange } from '../manifest/rewrite.js';
import type { ScannedManifest } from '../manifest/scan.js';
import type { ReferenceResult } from '../types.js';
import type { ExpectedTags } from './evaluation.js';
import type { ReferenceEntry, ManifestEntry } from './manifestEntry.js';

export interface Comparison {
  entry: ManifestEntry;
  found: ReferenceEntry;
  /** Index of the occurrence in its manifest; -1 for unmanaged references. */
  index: number;
  result: ReferenceResult;
  /** For a stale reference: the expected tag. */
  stale?: { tag: string } | undefined;
}

/** `repo:tag@sha256:…` as `fix` leaves it: `repo:tag`. */
const withoutDigest = (reference: string) => reference.replace(/@[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/, '');

function compareOne(entry: ManifestEntry, found: ReferenceEntry, evaluation: ImageEvaluation | undefined): Comparison {
  const { reference, image } = found;
  const base = {
    file: entry.file,
    line: reference.occurrence.position.line,
    column: reference.occurrence.position.column,
    current: reference.current,
  };
  if (image === undefined || evaluation === undefined) {
    return { entry, found, index: -1, result: { ...base, image: null, expected: null, status: 'unmanaged' } };
  }
  if (evaluation.commitDependent || evaluation.moving !== undefined) {
    // No tag can be expected before the commit exists, or of a tag that moves by itself: neither
    // ok nor stale (the warning says why).
    return { entry, found, index: -1, result: { ...base, image: image.name, expected: null, status: 'unmanaged' } };
  }
  const { index } = reference.occurrence;
  const expected = expectedReference(reference, image, evaluation.tag);
  // A whole-reference marker on another repository's value is stale whatever its tag.
  const rebound = repositoryRebound(reference, image);
  // A kustomize tagSuffix makes the deployed tag `<tag><suffix>`, which CI never pushes.
  const { tagSuffix } = found;
  const current = reference.tag === evaluation.tag && !rebound && tagSuffix === undefined;
  if (current && reference.digest === undefined) {
    return { entry, found, index, result: { ...base, image: image.name, expected, status: 'ok' } };
  }
  const digestDropped = reference.digest !== undefined;
  const submodule = entry.readOnly?.submodule;
  // A current tag beside a digest: runtimes pull the digest, which no evaluation can check.
  const digestUnverified = current;
  return {
    entry,
    found,
    index,
    stale: { tag: evaluation.tag },
    result: {
      ...base,
      image: image.name,
      expected: digestUnverified ? withoutDigest(expected) : expected,
      status: 'stale',
      ...(digestDropped ? { digestDropped } : {}),
      ...(digestUnverified ? { digestUnverified } : {}),
      ...(rebound ? { repositoryChanged: true } : {}),
      ...(tagSuffix === undefined ? {} : { tagSuffix }),
      ...(submodule === undefined ? {} : { submodule }),
    },
  };
}

/** Compares every reference with its image's expected tag. */
export function compareReferences(manifests: readonly ManifestEntry[], tags: ExpectedTags): Comparison[] {
  return manifests.flatMap((entry) =>
    entry.references.map((found) => compareOne(entry, found, found.image && tags.get(found.image.name))),
  );
}

/**
 * The tag changes that make the stale references among `comparisons` current in `manifest` (their
 * manifest, parsed), for rewriteManifest. The edits are planned on the parsed text; a reference
 * that no longer reads as compared (the file changed during the run) or that cannot be edited in
 * place is an error: nothing may be half-fixed.
 */
export function staleChanges(manifest: ScannedManifest, comparisons: readonly Comparison[]): TagChange[] {
  return comparisons.flatMap((comparison) => {
    const image = comparison.found.image;
    if (comparison.stale === undefined || image === undefined) return [];
    const { tagSuffix } = comparison.found;
    if (tagSuffix !== undefined) {
      const { file, line, column } = comparison.result;
      throw new NixtagError('REWRITE_UNSAFE', messages.tagSuffixRefused(file, line, tagSuffix), {
        location: { file, line, column },
        hint: messages.tagSuffixHint(tagSuffix, image.name),
      });
    }
    const occurrence = manifest.occurrences[comparison.index];
    const reference = occurrence && readReference(occurrence);
    const compared = comparison.found.reference;
    if (reference?.current !== compared.current || occurrence?.position.line !== compared.occurrence.position.line) {
      throw new NixtagError('WRITE_FAILED', messages.rewriteNotVerified(manifest.file, messages.changedDuringRun()), {
        location: { file: manifest.file, ...compared.occurrence.position },
        hint: messages.changedDuringRunHint(),
      });
    }
    const plan = planRewrite(manifest.file, manifest.text, reference, image, comparison.stale.tag);
    if (plan.kind === 'refused') throw plan.error;
    return [{ index: comparison.index, tag: comparison.stale.tag, plan }];
  });
}
