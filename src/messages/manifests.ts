/** Manifests: user-facing strings (part of `messages`, src/messages.ts). */

export const manifestsMessages = {
  yamlInvalid: (file: string, why: string) => `${file} is not valid YAML: ${why}`,
  yamlInvalidHint: () =>
    'The configuration names this file in `manifests`, so it must parse; fix it or narrow the glob.',
  tooDeep: () => 'it nests too deeply to be a manifest',
  aliasBomb: (limit: number) => `its aliases expand to more than ${limit.toLocaleString('en')} nodes (an alias bomb)`,
  skippedNotYaml: (file: string, position: { line: number; column: number }, why: string) =>
    `Skipped ${file}:${position.line}:${position.column}: not YAML (${why}).`,
  unreadNamesImage: (
    unread: { file: string; line: number | null; why: string; limit: boolean },
    mentionLine: number | null,
    nixHash: boolean,
  ) =>
    `nixtag ${unread.limit ? 'stopped reading' : 'could not read'} ${unread.file}${unread.line === null ? '' : ` at line ${unread.line}`} (${unread.limit ? '' : 'not YAML: '}${unread.why}), yet it ${nixHash ? 'holds a tag that is a Nix hash' : 'names a managed image'}${mentionLine === null ? '' : ` at line ${mentionLine}`}; ${unread.limit ? 'kubectl, yq and Helm read past that limit' : 'yq, kubectl and Helm read some YAML that nixtag refuses'}, so CI may deploy it unjudged.`,
  unreadKustomization: (unread: { file: string; line: number | null; why: string; limit: boolean }) =>
    `nixtag ${unread.limit ? 'stopped reading' : 'could not read'} the kustomization ${unread.file}${unread.line === null ? '' : ` at line ${unread.line}`} (${unread.limit ? '' : 'not YAML: '}${unread.why}); kubectl kustomize ${unread.limit ? 'reads past that limit' : 'reads some YAML that nixtag refuses'}, and would deploy what it sets and pulls in unjudged.`,
  unparsableKustomization: (file: string, why: string, reason: string) =>
    `${file} is not valid YAML (${why}), and it ${reason}: kubectl kustomize reads some YAML that nixtag refuses, and would deploy what it sets there unjudged (or fail the build).`,
  unparsableKustomizationMentions: (line: number | null) =>
    `names a managed image${line === null ? '' : ` at line ${line}`}`,
  unparsableKustomizationReached: (kustomization: string, manifest: string) =>
    `is part of ${kustomization}, which deploys ${manifest}`,
  unparsableKustomizationNames: (manifest: string) => `may deploy ${manifest}, an image's manifest`,
  unparsableKustomizationHint: () =>
    'Make the kustomization valid YAML 1.2 (indent a continued quoted string or flow collection further right than its key), or remove it; then run the command again.',
  unreadNamesImageHint: () =>
    'Indent a continued line as YAML 1.2 asks (a flow collection or quoted string continued further right than its key), or leave the file out of `manifests`.',
  unreadLimitHint: () =>
    'Move what passes the limit (a deeply nested or alias-heavy document) into a file of its own that names no managed image, or make it smaller; then run the command again.',
  skippedNotRegular: (file: string, kind: string) =>
    `Skipped ${file}: it is ${kind}, not a regular file; nixtag does not read it.`,
  tooLarge: (size: number, limit: number) =>
    `it is ${size.toLocaleString('en')} bytes, over the ${limit.toLocaleString('en')} a manifest may have`,
  skippedTooLarge: (file: string, why: string) => `Skipped ${file}: ${why}.`,
  notRegularHint: () => 'Commit the manifest itself (or a symlink to a regular file), then run the command again.',
  tagSubstituted: (file: string, line: number, variable: string) =>
    `${file}:${line} names a managed repository with the tag \`${variable}\`, which a tool fills in when it deploys (Flux's postBuild substitution, envsubst, an Argo CD ApplicationSet's template): nixtag cannot know what is deployed there, so it cannot judge it.`,
  tagSubstitutedHint: () =>
    "Write the tag itself in the manifest (Flux leaves a written tag as it is; an ApplicationSet's template passes it to every Application it generates), and `npx nixtag fix` keeps it current; or leave the file out of `manifests`.",
  helmValuesUnbound: (file: string, path: string, repository: string, source: string) =>
    `${file} sets \`${path}\` with no repository beside it: in ${source} that is the tag of ${repository}, and Helm deploys a values file's tag with the chart's repository, but this file lies in no chart's directory, so nixtag cannot tell which chart it is given to (helm -f, helmfile, Argo CD valueFiles) and cannot judge it.`,
  helmValuesUnboundHint: (source: string, key: string) =>
    `Move the file into the chart's directory (beside ${source}), where nixtag reads it as that chart's values and \`npx nixtag fix\` keeps its ${key} current; or write the repository beside the ${key} (\`repository: …\`), which nixtag judges as written.`,
  helmOverrideUnread: (file: string, how: string, path: string, repository: string, source: string) =>
    `${file}: its ${how} sets \`${path}\`, in ${source} the tag of ${repository}, from a value nixtag does not read, so the tag deployed cannot be judged.`,
  helmOverrideUnreadHint: (source: string, path: string) =>
    `Write \`${path}\` where nixtag judges it (${source}, a values file of the chart, the release's inline values or parameters), then run the command again.`,
  helmTemplateUnread: (file: string, line: number, read: string, path: string, source: string) =>
    `${file}:${line}: the template deploys the image with \`${read}\`, not \`.Values.${path}\`, the tag nixtag judges in ${source}: Helm renders what the template reads, so the tag deployed is not judged.`,
  helmTemplateUnreadHint: (path: string, read: string) =>
    `Make the template deploy \`.Values.${path}\` instead of \`${read}\` (with appVersion as its default: \`{{ .Values.${path} | default .Chart.AppVersion }}\`, which nixtag judges when the tag is empty); then run the command again.`,
  helmTemplateUnparsed: (file: string, path: string, source: string) =>
    `${file} is a Go template helmfile renders before it reads the result as YAML, and as written it holds a template action nixtag cannot read (or is not YAML) where it may set \`${path}\`, the tag nixtag judges in ${source}, so the tag helmfile deploys cannot be judged.`,
  helmTemplateUnparsedHint: (path: string) =>
    `Set \`${path}\` in a plain values file of the chart (or in a part of this file that is YAML as written: a quoted \`"{{ … }}"\` instead of a bare template action), then run the command again.`,
  helmValuesDataUnbound: (file: string, key: string, path: string, repository: string, source: string) =>
    `${file}: the values document in \`${key}\` sets \`${path}\` with no repository beside it: in ${source} that is the tag of ${repository}, and a Flux HelmRelease's valuesFrom merges it over the chart's values, but nixtag cannot tell which release reads it, so it cannot judge it.`,
  helmValuesDataUnboundHint: (source: string, path: string) =>
    `Set \`${path}\` in the HelmRelease's \`spec.values\` or in a values file beside ${source}, which nixtag judges and \`npx nixtag fix\` keeps current; or write the repository beside the tag. Then run the command again.`,
  conflictMarkers: (file: string) =>
    `${file} holds unresolved merge conflict markers (<<<<<<<, =======, >>>>>>>), so none of its references can be judged.`,
  conflictMarkersHint: () => 'Resolve the conflict, stage the result, then commit again.',
  markerMismatch: (file: string, marker: string, kind: 'reference' | 'tag', value: string) =>
    kind === 'tag'
      ? `${file}: the marker "${marker}" says the value holds only a tag, but '${value}' is a whole image reference.`
      : `${file}: the marker "${marker}" says the value is a whole image reference, but '${value}' is ${value.includes(':') || value.includes('/') ? 'not one' : 'only a tag'}.`,
  markerMismatchHint: (marker: string, kind: 'reference' | 'tag') =>
    kind === 'tag'
      ? `Mark a whole reference with {"$nixtag": "${marker.slice(0, -':tag'.length)}"}, or keep only the tag in this value.`
      : `Mark a value that holds only the tag with {"$nixtag": "${marker}:tag"}, or write the whole reference (registry/name:tag).`,
  duplicateKey: (file: string, key: string, firstLine: number | undefined) =>
    `${file}: the key \`${key}\` is written twice in one map${firstLine === undefined ? '' : ` (first at line ${firstLine})`}, on the way to an image reference in a Kubernetes object. Its readers disagree on it: yq takes the last, kustomize, Flux and kubectl's strict validation refuse the file, so nixtag cannot tell what CI deploys.`,
  duplicateKeyHint: (key: string) =>
    `Keep one \`${key}\` key in that map and delete the other, then run the command again.`,
  mergedOverKey: (file: string, key: string, keyLine: number | undefined) =>
    `${file}: the key \`${key}\`${keyLine === undefined ? '' : ` (line ${keyLine})`} is given another value by a \`<<\` merge key written after it, on the way to an image reference. Its readers disagree on it: yq and go-yaml v3 keep the key as written, Helm, kubectl and kustomize's kustomization reader (go-yaml v2) take the merged value, so nixtag cannot tell what CI deploys.`,
  mergedOverKeyHint: (key: string) =>
    `Write the \`<<\` line before the keys of that map (every reader then keeps \`${key}\` as written), or give \`${key}\` one value, then run the command again.`,
  sharedAnchor: (file: string, line: number, otherLine: number) =>
    `${file}:${line}: this value is an anchor that line ${otherLine} also reads, as something other than this reference; rewriting it here would change that place too.`,
  sharedAnchorHint: () =>
    'Write the value in each place instead of through the anchor (or anchor only the places that hold this image), then run the command again.',
  tagMissing: (file: string, line: number, repository: string, key: string) =>
    `${file}:${line}: ${repository} has no tag (no \`${key}\` beside it), so some other image would deploy; nixtag does not add keys, it only changes a tag within its line.`,
  kustomizationMention: (file: string, line: number | null) =>
    `${file}${line === null ? '' : `:${line}`}: names a managed image outside the kustomize images: entries nixtag reads (in a patch?); kubectl kustomize deploys it, and nixtag does not judge images set in kustomize patches.`,
  kustomizationImagesMention: (file: string, line: number) =>
    `${file}:${line}: names a managed image as a kustomize images: entry's newName with a tag or digest; kubectl kustomize renders <newName>:<tag>, which is not the image CI pushes.`,
  kustomizationImagesMentionHint: () =>
    'Write the entry as `name:` and `newName:` without a tag, the tag in `newTag:` (or `digest:`), then run the command again.',
  kustomizationSettingMention: (file: string, line: number, key: string) =>
    `${file}:${line}: names a managed image in the kustomization's \`${key}:\`; kubectl kustomize applies it to what it deploys, and nixtag does not judge images set by kustomize transformers, generators or replacements.`,
  argoKustomizePatchMention: (file: string, line: number) =>
    `${file}:${line}: names a managed image in an Argo CD Application's \`kustomize.patches:\`; Argo CD applies them to the source's kustomization as its patches, and nixtag does not judge images set in kustomize patches.`,
  argoKustomizePatchMentionHint: () =>
    "Set the tag with the Application's `kustomize.images` (which nixtag judges) or in the manifests, and leave the image out of the patch; then run the command again.",
  helmPostRendererMention: (file: string, line: number) =>
    `${file}:${line}: names a managed image in a HelmRelease's \`postRenderers:\`; Flux's helm-controller applies their kustomize images and patches to the chart it renders, and nixtag does not judge images set there.`,
  helmPostRendererMentionHint: () =>
    "Set the tag in the chart's values (the HelmRelease's `spec.values`, or a values file of the chart), which nixtag judges, and leave the image out of the post-renderer; then run the command again.",
  kustomizePulledInMention: (file: string, line: number, by: string, key: string) =>
    `${file}:${line}: names a managed image in a file that ${by} pulls in under \`${key}:\`; kubectl kustomize applies it to what it deploys, and nixtag does not judge images set in kustomize patches, transformers or generators.`,
  kustomizeRemote: (file: string, line: number, link: string, image: string) =>
    `${file}:${line}: kustomize fetches \`${link}\` from elsewhere, and what it holds can deploy the managed image ${image} at a tag nixtag cannot see; no images: entry of this kustomization or an overlay above it sets that image's tag.`,
  kustomizeRemoteHint: (repository: string) =>
    `Add an entry to the kustomization's \`images:\` (\`name: ${repository}\`, \`newTag:\`), which overrides the remote's tag and which nixtag judges, or vendor the remote base into the repository; then run the command again.`,
  kustomizeChartOverride: (file: string, line: number, named: string) =>
    `${file}:${line}: a kustomize Helm chart whose values name a managed image (${named}) is given values that can set an image (valuesInline, valuesFile, additionalValuesFiles); helm merges them over the chart's, so kubectl kustomize --enable-helm can deploy a tag nixtag does not judge.`,
  kustomizeChartOverrideHint: () =>
    "Set the image's tag in the chart's values.yaml (which nixtag judges) instead of in the kustomization's helmCharts entry, then run the command again.",
  kustomizeImageTransformer: (file: string, line: number) =>
    `${file}:${line}: a kustomize ImageTagTransformer sets the tag of a managed image; kubectl kustomize deploys that tag, and nixtag judges only a kustomization's images: entries.`,
  kustomizeImageTransformerHint: () =>
    "Write it as an entry of the kustomization's `images:` (`name`, `newTag`), then run the command again.",
  kustomizeReplacement: (
    by: 'replacement' | 'var',
    file: string,
    line: number,
    target: { file: string; line: number } | undefined,
    image: string | undefined,
  ) =>
    `${file}:${line}: a kustomize ${by} writes ${target === undefined ? 'an image field it creates' : `${target.file}:${target.line}`}${image === undefined ? ', an image,' : `, where nixtag reads ${image}'s reference,`} from a value nixtag does not judge; kubectl kustomize deploys what it writes.`,
  kustomizeImageCopy: (file: string, line: number) =>
    `${file}:${line}: a kustomize JSON patch copies (or moves) a value from another field into an image field; kubectl kustomize deploys it, and nixtag does not judge it.`,
  kustomizeReplacementHint: () =>
    "Set the image's tag with the kustomization's `images:` (`newTag`) or in the manifest, and let replacements, vars and patches write other fields; then run the command again.",
  kustomizationMentionHint: () =>
    "Move the image to the kustomization's `images:` (with `newTag`) or into a manifest, then run the command again.",
  tagSuffixRefused: (file: string, line: number, entry: { suffix: string; file: string; line: number }) =>
    `${file}:${line}: the kustomize images: entry at ${entry.file}:${entry.line} appends tagSuffix ${entry.suffix} to this tag, so the deployed tag is <tag>${entry.suffix}, which CI does not push; nixtag cannot fix that by changing a tag.`,
  tagSuffixHint: (entry: { suffix: string; file: string; line: number }, image: string) =>
    `Remove \`tagSuffix: ${entry.suffix}\` from ${entry.file}:${entry.line}, or stop managing ${image} there; then run the command again.`,
  tagMissingHint: (key: string, tag: string) => `Add \`${key}: "${tag}"\` beside it, then run the command again.`,
  skippedUndecodable: (file: string, why: 'binary' | 'not-utf8' | 'not-utf16' | 'not-utf32') =>
    `Skipped ${file}: ${why === 'binary' ? 'binary content' : why === 'not-utf8' ? 'not UTF-8' : `starts as ${why === 'not-utf16' ? 'UTF-16' : 'UTF-32'} but is not`}.`,
  danglingSymlink: (file: string) => `${file} is a symlink to nothing; it was not read and will not be written.`,
  symlinkOutside: (file: string, target: string) =>
    `${file} is a symlink to ${target}, outside the repository; nixtag does not write there.`,
  symlinkOutsideJudged: (file: string, target: string) =>
    `${file} is a symlink to ${target}, outside the repository, and names a managed image: CI's clone holds the link, not that file, so what it deploys cannot be judged.`,
  notCheckedOut: (file: string) =>
    `${file} is outside this sparse checkout: its tag was read from the judged tree, and nixtag cannot rewrite a file the work tree does not have.`,
  notCheckedOutHint: (file: string) =>
    `Bring it into the work tree with \`git sparse-checkout add ${file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : file}\`, then run the command again.`,
  inSubmodule: (file: string, submodule: string) =>
    `${file} is in submodule ${submodule}, another repository: kubectl kustomize deploys its stale tag, and nixtag does not rewrite the submodule's files.`,
  inSubmoduleHint: (submodule: string) =>
    `Update the tag in the submodule's own repository and push it there, then record that commit here (\`git -C ${submodule} pull\`, \`git add ${submodule}\`), or stop naming it from a kustomization; then run the command again.`,
  submoduleBaseMissing: (kustomization: string, submodule: string, commit: string) =>
    `${kustomization} names files in submodule ${submodule}, recorded at commit ${commit}, which this clone does not have: kubectl kustomize deploys what they hold, and nixtag cannot read them.`,
  submoduleBaseMissingHint: (submodule: string) =>
    `Run \`git submodule update --init --recursive -- ${submodule}\`, then run the command again.`,
  submoduleBaseUnread: (kustomization: string, submodule: string) =>
    `${kustomization} names files in submodule ${submodule}, but the configuration says CI's clone does not fetch submodules (\`submodules: false\`): kubectl kustomize cannot deploy them there, and nixtag cannot judge them.`,
  submoduleBaseUnreadHint: () =>
    'Set `submodules: true` in the nixtag configuration if CI fetches submodules, or vendor the base into the repository; then run the command again.',
  symlinkOutsideHint: () => 'Update that file where it lives, or commit the manifest itself instead of a link to it.',
  manifestUnreadable: (file: string, why: string) => `Cannot read ${file}: ${why}`,
  cannotRewriteInPlace: (file: string) =>
    `${file}: this reference is not written out as its text (escape sequences, or !!binary base64), so its tag cannot be changed without touching other bytes.`,
  cannotRewriteInPlaceHint: () =>
    'Write the image reference as a plain or quoted string, without escape sequences or a !!binary tag.',
  rewriteNotVerified: (file: string, why: string) =>
    `Refused to rewrite ${file}: the result did not check out (${why}). Nothing was written.`,
  rewriteUnrelatedChanged: (line: number) => `an unrelated reference changed at line ${line}`,
  rewriteTagNotRead: (line: number) => `the reference at line ${line} does not read the new tag`,
  rewriteCountChanged: () => 'the number of references changed',
  changedDuringRun: () => 'the file changed while nixtag was reading the tree',
  changedDuringRunHint: () => 'Run the command again once the file is saved.',
  writeFailed: (file: string, why: string) => `Could not write ${file}: ${why}. It was left as it was.`,
  writeFailedHint: (code: string | undefined) =>
    code === 'ENOSPC' || code === 'EDQUOT'
      ? 'Free some space on that file system (or raise the quota), then run the command again.'
      : code === 'EPERM' || code === 'EACCES' || code === 'EROFS'
        ? 'Make the file and its directory writable (an immutable file shows an `i` in `lsattr`), then run the command again.'
        : 'Run the command again once the cause is removed; nothing was changed.',
  writeNotRolledBack: (files: ReadonlyArray<{ file: string; kept: string }>) =>
    `A step of the rewrite failed, and ${files.map(({ file }) => file).join(', ')} could not be put back: the original of each is kept as ${files.map(({ kept }) => kept).join(', ')}; move it back by hand.`,
  indexNotRolledBack: (files: readonly string[]) =>
    `A step of the fix failed, and the index could not be put back for ${files.join(', ')}: it holds the fixed tag, the working tree does not.`,
  indexNotRolledBackHint: (files: ReadonlyArray<{ file: string; mode: string; previous: string }>) =>
    `To stage what was staged before: ${files.map(({ file, mode, previous }) => `\`git update-index --cacheinfo ${mode},${previous},${file}\``).join('; ')}.`,
  shortWrite: (written: number, total: number) =>
    `only ${written} of ${total} bytes could be written (no space left on device?)`,
};
