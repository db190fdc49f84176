/** Results: user-facing strings (part of `messages`, src/messages.ts). */
import { cmd } from '../invocation.js';

/** The tag of `repo:tag` as written (empty when it has none). */
const tagOf = (reference: string) => /:([^:/@]*)(?:@.*)?$/.exec(reference)?.[1] ?? '';

/** `a`, `a or b`, `a, b or c`, each in backquotes. */
const orList = (items: readonly string[]) => {
  const quoted = items.map((item) => `\`${item}\``);
  return quoted.length <= 1 ? (quoted[0] ?? '') : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
};

export const resultsMessages = {
  stale: (file: string, line: number, column: number, image: string) =>
    `${file}:${line}:${column}: stale reference to ${image}`,
  fixed: (file: string, line: number, column: number, image: string) => `${file}:${line}:${column}: fixed ${image}`,
  current: (value: string) => `  current:  ${value}`,
  expected: (value: string) => `  expected: ${value}`,
  was: (value: string) => `  was: ${value}`,
  now: (value: string) => `  now: ${value}`,
  digestDropped: () => '  the stale @sha256 digest pins the old image and is dropped with the tag',
  digestUnverified: (stale: boolean) =>
    stale
      ? `  the tag is current, but runtimes pull the @sha256 digest beside it, which no evaluation can check: \`${cmd('fix')}\` drops it, or \`${cmd('check --registry')}\` asks the registry whether it is the tag's`
      : '  the tag was current: the @sha256 digest beside it, which runtimes pull and no evaluation can check, is dropped',
  tagSuffixApplied: (entry: { suffix: string; file: string; line: number }, current: string) =>
    `  the kustomize images: entry at ${entry.file}:${entry.line} has tagSuffix ${entry.suffix}, which makes the deployed tag \`${tagOf(current)}${entry.suffix}\`: CI does not push it`,
  repositoryChanged: (from: string) =>
    `  the $nixtag marker binds this value to the image's repository: the repository changes from ${from || '(none)'}`,
  mentions: (count: number) =>
    `${count} place${count === 1 ? '' : 's'} outside the shapes nixtag manages name${count === 1 ? 's' : ''} a managed repository and ${count === 1 ? 'is' : 'are'} not checked (--verbose lists them).`,
  mention: (file: string, line: number, repository: string) =>
    `${file}:${line}: names ${repository} in a place nixtag does not manage; it is not checked.`,
  updateSubmodules: (submodules: readonly string[]) =>
    `${submodules.length === 1 ? `Submodule ${submodules[0]!} holds` : `Submodules ${submodules.join(', ')} hold`} stale tags that a kustomization deploys, and fix does not write another repository: update them there, then record the new commit (\`git add ${submodules.join(' ')}\`).`,
  runFix: (command: string) => `Run \`${command}\` to rewrite the stale tags.`,
  runFixUnstaged: (command: string, files: readonly string[]) =>
    `Not staged: ${files.slice(0, 5).join(', ')}${files.length > 5 ? ` and ${files.length - 5} more` : ''}. The commit records what is staged, and \`${command}\` writes the tags of the staged files: if those changes belong in this commit, \`git add\` them first, then run \`${command}\`.`,
  runFixAndCommit: (command: string) =>
    `Run \`${command}\` to rewrite the stale tags, commit them (\`git commit -am "Update image tags"\`), then push again: the commits already made keep their old tags, so the fix needs a commit of its own.`,
  fixCommand: (judged: 'worktree' | 'index' | 'rev') => cmd(judged === 'index' ? 'fix --staged' : 'fix'),
  stageFixed: (file: string) =>
    `  fixed in the working tree but not staged: stage the fixed file with \`git add ${file}\``,
  namePartialFixed: (file: string) =>
    `  fixed in the working tree, but \`git commit <paths>\` commits only the paths it names: name ${file} too`,
  runNamePartial: (files: readonly string[]) =>
    `The working tree has the right tags, but \`git commit <paths>\` commits only the paths it names: add ${files.join(' ')} to the command (or commit without paths), then commit again.`,
  runStage: (files: readonly string[]) =>
    `The working tree has the right tags: stage the fixed file${files.length === 1 ? '' : 's'} with \`git add ${files.join(' ')}\`, then commit again.`,
  allCurrent: (count: number) => `nixtag: ${count} reference${count === 1 ? '' : 's'} up to date.`,
  staleSummary: (count: number) =>
    `nixtag: ${count} stale reference${count === 1 ? '' : 's'}: the pipeline's digest check would fail.`,
  loopSummary: () =>
    'nixtag: the manifests were rewritten, but they are inputs of their own image: the commit would still fail CI.',
  fixedSummary: (count: number) => `nixtag: fixed ${count} reference${count === 1 ? '' : 's'}.`,
  fixPartialSummary: (fixed: number, stale: number, files: readonly string[]) =>
    `nixtag: fixed ${fixed} reference${fixed === 1 ? '' : 's'} (written); ${stale} stale reference${stale === 1 ? '' : 's'} in ${files.join(', ')} ${stale === 1 ? 'is' : 'are'} not rewritten: nixtag does not write another repository's files (the errors below say what to update).`,
  nothingManaged: (configured: boolean) =>
    configured
      ? 'nixtag: nothing is managed: no image reference matches a configured image, so nothing is checked.'
      : 'nixtag: nothing is managed: without configuration nixtag manages the image references whose tag is a 32-character Nix hash, and there are none.',
  candidatesSeen: (count: number) => `It saw ${count} image reference${count === 1 ? '' : 's'} in tracked YAML:`,
  candidate: (file: string, line: number, column: number, value: string) => `  ${file}:${line}:${column}: ${value}`,
  moreCandidates: (count: number) => `  … and ${count} more (\`${cmd('check --verbose')}\` lists them all)`,
  noCandidates: () => 'It saw no image reference in tracked YAML.',
  suggestInit: () =>
    `Run \`${cmd('init')}\` to see a configuration that manages them (\`${cmd('init --write')}\` writes it).`,
  globMatchesNothing: (where: string, image: string, glob: string) =>
    `${where}: the manifests glob '${glob}' of image '${image}' matches no tracked file.`,
  imageMatchesNothing: (where: string, image: string, repository: string) =>
    `${where}: image '${image}' (${repository}) matches no image reference; check \`repository\` for a typo, or name the image in a manifest with any tag (\`${cmd('fix')}\` then writes the right one).`,
  configMisses: (file: string, count: number) =>
    `${file} names ${count} things the repository does not hold, so nothing would be checked against them:`,
  configMissesHint: () =>
    'A name that matches nothing would switch checking off, so nixtag stops here. Correct the side that is wrong (the configuration, or the file or reference it should match); an image that has no reference in the manifests yet can say `optional: true` (then this is a warning).',
  nixMisses: (image: string, file: string, close: readonly string[]) =>
    `Image '${image}': the expression file ${file} is not in the tree${close.length > 0 ? `; did you mean ${orList(close)}?` : '.'}`,
  globMisses: (image: string, glob: string, close: readonly string[]) =>
    `Image '${image}': the manifests glob '${glob}' matches no tracked file${close.length > 0 ? `; did you mean ${orList(close)}?` : '.'}`,
  imageMisses: (
    image: string,
    repository: string,
    found: {
      close: ReadonlyArray<{ repository: string; at: string }>;
      seen: ReadonlyArray<{ repository: string; at: string }>;
      named: readonly string[];
    },
  ) => {
    const shown = (references: ReadonlyArray<{ repository: string; at: string }>) =>
      references.map((reference) => `\`${reference.repository}\` (${reference.at})`);
    // Either side may hold the typo: the nearest references are named, and neither is called right.
    const close =
      found.close.length > 0
        ? `; the nearest manifest reference${found.close.length === 1 ? ' is' : 's are'} ${shown(found.close).join(' and ')}: one side is misspelt, so correct whichever is wrong, this \`repository\` or the manifest's reference.`
        : found.seen.length > 0
          ? `; the references it read name ${shown(found.seen.slice(0, 3)).join(', ')}${found.seen.length > 3 ? ` and ${found.seen.length - 3} more` : ''}.`
          : '; the manifests it reads hold no image reference.';
    const named =
      found.named.length > 0
        ? ` ${repository} is written at ${found.named.slice(0, 3).join(', ')}${found.named.length > 3 ? ' and elsewhere' : ''}, which nixtag does not read as a reference to it (a file it skipped, a shape it does not manage, or outside \`manifests\`; a trailing \`# {"$nixtag": "${image}"}\` marks one).`
        : '';
    return `Image '${image}': repository ${repository} matches no image reference in the manifests it reads${close}${named}`;
  },
  nothingToDo: () => 'nixtag: none of the given paths can change a managed reference.',
  upToDate: (file: string, line: number, column: number, value: string) => `${file}:${line}:${column}: ${value} ok`,
  unjudged: (file: string, line: number, column: number, image: string) =>
    `${file}:${line}:${column}: not judged: the tag of ${image} depends on the commit, or on where the clone lies, not only on the files (see the warning)`,
  cloneDependentReference: (file: string, line: number, column: number, image: string) =>
    `${file}:${line}:${column}: fails: the tag of ${image} depends on the clone's own \`.git\`, which CI's clone does not share (see the error below)`,
  cloneDependentSummary: (images: readonly string[]) =>
    `nixtag: ${images.length === 1 ? `image ${images[0]} has` : `images ${images.join(', ')} have`} a tag no clone CI makes can match: CI would reject every deploy.`,
  unjudgedMoving: (file: string, line: number, column: number, image: string) =>
    `${file}:${line}:${column}: not judged: the tag of ${image} moves with no change to the files (see the warning)`,
  movingSummary: (ok: boolean) =>
    ok
      ? "nixtag: nothing could be judged: a tag depends on the environment Nix runs in, which is not CI's (see the warning)."
      : 'nixtag: nothing could be judged: a tag changes on every evaluation, so no committed tag can be the one CI pushes (see the warning).',
  someNotJudged: (current: number, unjudged: number) =>
    `nixtag: ${current} reference${current === 1 ? '' : 's'} up to date; ${unjudged} not judged (see the warning).`,
  unjudgedSummary: (ok: boolean) =>
    ok
      ? 'nixtag: nothing could be judged (see the warning): a tag that depends on the commit is judged by the pre-push hook once the commit exists; one that depends on the clone itself (its `.git`, where it lies) cannot be judged anywhere.'
      : 'nixtag: nothing could be judged before the commit exists, and whenCommitDependent: fail says that fails.',
  unmanaged: (file: string, line: number, column: number, value: string) =>
    `${file}:${line}:${column}: ${value} (not managed)`,
  warning: (text: string) => `nixtag: warning: ${text}`,
  evaluating: (images: readonly string[], seconds: number) =>
    `nixtag: Nix is evaluating ${images.length === 1 ? images[0] : `${images.length} images (${images.join(', ')})`}… ${seconds}s`,
  ranCommand: (command: string) => `nixtag: $ ${command}`,
  errorPrefix: (code: string) => `nixtag: error [${code}]:`,
  hintPrefix: () => 'hint:',
  unexpected: () => 'nixtag: unexpected internal error; please report it with the output above.',
};
