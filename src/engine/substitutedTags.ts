import { NixtagError } from '../errors.js';
import type { GrepHit } from '../git/grep.js';
import { messages } from '../messages.js';
import type { ReferenceSummary } from '../manifest/resolve.js';
import type { Warning } from '../types.js';

/**
 * An image whose tag is a variable something substitutes at deploy time: `repo:${TAG}` and
 * `repo:$TAG` (Flux's postBuild substitution, envsubst), `repo:$(params.tag)` (a Tekton
 * parameter), `repo:@TAG@` and `repo:%TAG%` (sed-style placeholders). None is a tag a reference
 * can hold, so the line is only a mention, and a warning would pass whatever value is substituted.
 * The `image` key may be quoted or inside a flow map. A bare `$(NAME)` is a kustomize var, judged
 * where the kustomization declares it; `{{ }}` is a template's, read where Helm renders it.
 */
const SUBSTITUTED =
  /(?:^|[\s{,"'-])["']?image["']?\s*:\s*["']?[^\s"',{}#]*:(\$\{[^}\s]*\}|\$[A-Za-z_]\w*|\$\((?:params|tasks|context)\.[^)\s]*\)|@[A-Za-z_]\w*@|%[A-Za-z_]\w*%)/;

/**
 * A template's placeholder as a tag: an Argo CD ApplicationSet's `{{tag}}` (`{{ .tag }}` with
 * `goTemplate: true`), filled in per generated Application
 * (https://argo-cd.readthedocs.io/en/stable/operator-manual/applicationset/Template/). No
 * registry's tag holds `{`, so a reference so written is one whose tag is filled in elsewhere.
 */
const PLACEHOLDER = /\{\{[^{}]*\}\}/;
/**
 * A placeholder in a mention (`registry/app:{{tag}}`, an entry of `kustomize.images`); not a Helm
 * template's (`{{ .Values.image.tag }}`, `{{ include … }}`), read where Helm renders it.
 */
const MENTIONED_PLACEHOLDER =
  /[^\s"',{}#[\]]:(\{\{(?![^{}]*(?:\.Values\b|\.Chart\b|\.Release\b|\$|\binclude\b|\btpl\b))[^{}]*\}\})/;

/** A managed reference whose tag is a template's placeholder is refused (TAG_SUBSTITUTED). */
export function refusePlaceholderTags(
  manifests: ReadonlyArray<{
    file: string;
    references: ReadonlyArray<{ reference: ReferenceSummary; image?: unknown }>;
  }>,
): void {
  for (const { file, references } of manifests) {
    for (const { reference, image } of references) {
      const variable = image === undefined ? undefined : PLACEHOLDER.exec(reference.occurrence.text)?.[0];
      if (variable === undefined) continue;
      const { line } = reference.occurrence.position;
      throw new NixtagError('TAG_SUBSTITUTED', messages.tagSubstituted(file, line, variable), {
        location: { file, line },
        hint: messages.tagSubstitutedHint(),
      });
    }
  }
}

/** A mention of a managed repository whose tag is substituted at deploy time is refused (TAG_SUBSTITUTED). */
export function refuseSubstitutedTags(hits: readonly GrepHit[], mentions: readonly Warning[]): void {
  for (const mention of mentions) {
    if (mention.file === null || mention.line === null) continue;
    const hit = hits.find(({ file, line }) => file === mention.file && line === mention.line);
    const variable =
      hit === undefined ? undefined : (SUBSTITUTED.exec(hit.text)?.[1] ?? MENTIONED_PLACEHOLDER.exec(hit.text)?.[1]);
    if (variable === undefined) continue;
    throw new NixtagError('TAG_SUBSTITUTED', messages.tagSubstituted(mention.file, mention.line, variable), {
      location: { file: mention.file, line: mention.line },
      hint: messages.tagSubstitutedHint(),
    });
  }
}
