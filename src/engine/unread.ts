import { NixtagError } from '../errors.js';
import { KUSTOMIZATION_FILE } from '../manifest/fileNames.js';
import { messages } from '../messages.js';
import type { Unread, Warning } from '../types.js';

/** What makes a file skipped unread matter: CI may deploy what it says, unjudged. */
type Matters =
  { by: 'mention'; line: number | null } | { by: 'nixHash'; line: number } | { by: 'kustomization' } | undefined;

function matters(file: string, unread: Unread, mentions: readonly Warning[], inferred: boolean): Matters {
  const named = mentions.find((mention) => mention.file === file);
  if (named !== undefined) return { by: 'mention', line: named.line };
  // Without configuration, what is managed is what has a Nix hash for a tag.
  if (inferred && unread.nixHashLine !== undefined) return { by: 'nixHash', line: unread.nixHashLine };
  if (KUSTOMIZATION_FILE.test(file)) return { by: 'kustomization' };
  return undefined;
}

/**
 * A file skipped unread (not YAML to the yaml library, or past a limit of nixtag's reading) is
 * refused where what CI reads there can matter: it names a managed repository, holds a Nix-hash
 * tag with no configuration, or is a kustomization (whatever it sets, or pulls in, kubectl
 * kustomize deploys). yq, kubectl and Helm read YAML the yaml library refuses (a quoted string or
 * a flow collection continued on a line indented less than YAML 1.2 asks), nest deeper and expand
 * more aliases; the others stay warnings. A Helm template is never read (the manifest set leaves
 * a chart's templates/ out), so never refused here.
 */
export function refuseUnread(warnings: readonly Warning[], mentions: readonly Warning[], inferred: boolean): void {
  for (const skipped of warnings) {
    const { file, unparsed } = skipped;
    if (unparsed === undefined || file === null) continue;
    const why = matters(file, unparsed, mentions, inferred);
    if (why === undefined) continue;
    const code = unparsed.limit ? 'YAML_LIMIT' : 'YAML_INVALID';
    const reason = { file, line: skipped.line, why: unparsed.why, limit: unparsed.limit };
    const message =
      why.by === 'kustomization'
        ? messages.unreadKustomization(reason)
        : messages.unreadNamesImage(reason, why.line, why.by === 'nixHash');
    throw new NixtagError(code, message, {
      location: {
        file,
        ...(skipped.line === null ? {} : { line: skipped.line }),
        ...(unparsed.column === undefined ? {} : { column: unparsed.column }),
      },
      hint: unparsed.limit ? messages.unreadLimitHint() : messages.unreadNamesImageHint(),
    });
  }
}
