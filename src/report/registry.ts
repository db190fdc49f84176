import { messages } from '../messages.js';
import type { CheckResult } from '../types.js';

/**
 * Human output of `check --registry`, after the local check's: a tag missing from its registry, a
 * digest that differs, and a registry that did not answer are three kinds of line, each at the
 * reference's file:line:column.
 */
export function formatRegistry(result: CheckResult, verbose: boolean): string {
  const lines: string[] = [];
  let present = 0;
  let missing = 0;
  let mismatched = 0;
  let unanswered = 0;
  let compared = 0;
  for (const reference of result.references) {
    const finding = reference.registry;
    if (finding === undefined) continue;
    const { file, line, column, current } = reference;
    if (finding.status === 'missing') {
      missing++;
      lines.push(
        messages.registryMissing(file, line, column, current, finding.registry),
        messages.registryMissingHint(),
      );
    } else if (finding.status === 'mismatch') {
      mismatched++;
      lines.push(messages.registryMismatch(file, line, column, current, finding.digest ?? ''));
      if (finding.expected) lines.push(messages.registryExpected(finding.expected.digest, finding.expected.from));
      lines.push(messages.registryMismatchHint());
    } else if (finding.status === 'unreachable') {
      unanswered++;
      lines.push(messages.registryNoAnswer(file, line, column, current, finding.error?.message ?? ''));
      if (finding.error?.hint) lines.push(`  ${messages.hintPrefix()} ${finding.error.hint}`);
    } else {
      present++;
      if (finding.expected) compared++;
      if (verbose) lines.push(messages.registryPresent(file, line, column, current, finding.digest ?? ''));
    }
  }
  if (present + missing + mismatched + unanswered > 0)
    lines.push(messages.registrySummary(present, missing, mismatched, unanswered, compared));
  return lines.join('\n');
}
