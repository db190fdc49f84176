import { writeFileAtomically } from '../manifest/write.js';
import { rewriteManifest, type TagChange } from '../manifest/rewrite.js';
import { NixtagError } from '../errors.js';
import { messages } from '../report/messages.js';
import { inspect, resultOf } from './check.js';
import type { Comparison } from './compare.js';
import type { EngineOptions } from './session.js';
import type { CheckResult } from './types.js';

/**
 * `nixtag fix`: rewrites every stale reference. Every file's new text is computed and verified
 * before the first write, so an error leaves all manifests as they were; each write is atomic.
 */
export async function fix(options: EngineOptions): Promise<CheckResult> {
  const inspection = await inspect(options);
  const { comparisons } = inspection;
  const stale = comparisons.filter((comparison) => comparison.result.status === 'stale');
  const byTarget = Map.groupBy(stale, (comparison) => comparison.entry.target);
  const writes: Array<{ target: string; text: string; comparisons: Comparison[] }> = [];
  for (const [target, group] of byTarget) {
    const readOnly = group[0]!.entry.readOnly;
    if (readOnly !== undefined) {
      throw new NixtagError('SYMLINK_OUTSIDE_REPOSITORY', readOnly, {
        location: { file: group[0]!.result.file },
        hint: messages.symlinkOutsideHint(),
      });
    }
    const changes: TagChange[] = group.map((comparison) => {
      if (comparison.plan instanceof Error || comparison.plan === undefined) {
        throw comparison.plan ?? new NixtagError('WRITE_FAILED', messages.cannotRewriteInPlace(comparison.result.file));
      }
      return { index: comparison.index, tag: comparison.expectedTag!, plan: comparison.plan };
    });
    writes.push({ target, text: rewriteManifest(group[0]!.entry.manifest, changes), comparisons: group });
  }
  for (const write of writes) {
    try {
      writeFileAtomically(write.target, write.text);
    } catch (error) {
      throw new NixtagError(
        'WRITE_FAILED',
        messages.writeFailed(write.comparisons[0]!.result.file, (error as Error).message),
        {
          location: { file: write.comparisons[0]!.result.file },
          cause: error,
        },
      );
    }
    for (const comparison of write.comparisons) comparison.result.status = 'fixed';
  }
  return resultOf(inspection);
}
