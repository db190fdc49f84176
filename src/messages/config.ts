/** Configuration: user-facing strings (part of `messages`, src/messages.ts). */
import { cmd } from '../invocation.js';
import { list } from './shared.js';

export const configMessages = {
  expect: {
    name: 'a non-empty name',
    nixIdentifier: 'a Nix identifier',
    repository: 'a registry/name without tag or digest, such as docker.io/lewo/poc-tekton',
    directoryName: 'a directory name without slashes',
    notDotDirectory: 'a directory name',
    someImage: 'at least one image',
    nixVersion: 'a Nix version such as 2.26 or 2.26.3',
    uniqueName: (name: string) => `a name not used by another image ('${name}' is)`,
    fileInRepository: 'a file inside the repository (a relative path, not leaving it with ..)',
    globInRepository: 'a glob inside the repository (a relative pattern, not leaving it with ..)',
    uriPrefix: 'a URL or URL prefix without spaces',
    notWithFlake: (key: string) => `no \`${key}\` beside \`flake\` (a flake output is named by its installable alone)`,
  },
  attrPathUnclosedQuote: (attrPath: string) => `attribute path '${attrPath}' has an unclosed quote`,
  attrPathEmptyStep: (attrPath: string) => `attribute path '${attrPath}' has an empty step`,
  configInvalid: (file: string, only?: string) =>
    only === undefined
      ? `Invalid nixtag configuration in ${file}:`
      : `Invalid nixtag configuration in ${file}: ${only}`,
  configUnknownKey: (keyPath: string, suggestion: string | undefined, known: readonly string[]) =>
    `${keyPath}: unknown key${suggestion === undefined ? (known.length > 0 ? `; the keys here are ${list(known)}` : '') : `; did you mean '${suggestion}'?`}`,
  configUnreadable: (file: string, why: string) => `Cannot read the nixtag configuration ${file}: ${why}`,
  configImportMissing: (file: string, missing: string) =>
    `The nixtag configuration ${file} imports ${missing} ($import), which is not there.`,
  configImportOutside: (file: string, imported: string) =>
    `The nixtag configuration ${file} imports ${imported} ($import), outside the repository: CI's clone does not have it.`,
  configTwice: (loaded: string, other: string) =>
    `Two nixtag configurations: ${loaded} and ${other}. nixtag (as cosmiconfig) reads only the first it finds, ${loaded}, so ${other} would be ignored without a word, and any image only it lists left unchecked.`,
  configTwiceHint: (loaded: string, other: string) => {
    const place = (file: string) => (file === 'package.json' ? 'package.json\'s "nixtag" key' : file);
    return `Keep one: move what ${place(other)} holds into ${place(loaded)} (or the other way round), then delete the other.`;
  },
  configNameNearMiss: (file: string) =>
    `No nixtag configuration was found, but ${file} looks like one: nixtag reads only .nixtagrc.yaml and the other names of docs/configuration.md, so nixtag would run as if there were none (checking only references whose tag is already a 32-character Nix hash).`,
  configKeyNearMiss: (key: string) =>
    `No nixtag configuration was found, but package.json has a key "${key}": nixtag reads only the key "nixtag", so nixtag would run as if there were none (checking only references whose tag is already a 32-character Nix hash).`,
  configNearMissHint: (file: boolean) =>
    file
      ? "Rename it to .nixtagrc.yaml (or another name docs/configuration.md lists); if it is not nixtag's configuration, give it a name that does not look like one."
      : 'Rename the key to "nixtag"; if it is not nixtag\'s configuration, give it a name that does not look like one.',
  configLinkOutside: (file: string, why: 'dangling' | 'outside' | 'absolute') =>
    why === 'dangling'
      ? `The nixtag configuration ${file} is a symlink to a file that is not there: CI's clone would load no configuration from it.`
      : why === 'absolute'
        ? `The nixtag configuration ${file} is a symlink to an absolute path: CI's clone has the link, not this machine's path.`
        : `The nixtag configuration ${file} is a symlink out of the repository: CI's clone does not have what it leads to.`,
  configLinkOutsideHint: () =>
    'Replace the symlink with the file itself (or a relative symlink to a tracked file in the repository) and commit it.',
  configPathLinkOutside: (link: string, place: string, why: 'outside' | 'absolute') =>
    why === 'absolute'
      ? `${link} is a symlink to an absolute path, on the way to ${place}, where nixtag reads or looks for its configuration: CI's clone has the link, not this machine's path.`
      : `${link} is a symlink out of the repository, on the way to ${place}, where nixtag reads or looks for its configuration: CI's clone does not have what it leads to.`,
  configPathLinkOutsideHint: () =>
    'Replace the symlink with the directory itself (or a relative symlink to a directory in the repository) and commit it.',
  configImportOutsideHint: () =>
    'Move that file into the repository and commit it, or give the whole configuration with --config.',
  configImportMissingHint: () =>
    'Add that file (and commit it: CI reads the committed configuration), or take it out of `$import`.',
  configHint: () => "Every key and its default: nixtag's docs/configuration.md (in node_modules/nixtag/docs).",
  gitConfigRunsProgram: (setting: string) =>
    `In CI mode nixtag runs nothing the workspace sets, but the repository's git configuration names a program git would run for it: ${setting}.`,
  gitConfigRunsProgramHint: () =>
    'Run nixtag in a fresh clone (as the Tekton Task does), or remove that setting from .git/config (`git config --unset <key>`) in a step you trust.',
  configIsCode: (file: string) =>
    `${file} is code: in CI mode nixtag loads no configuration that would run the repository's JavaScript or TypeScript.`,
  configIsCodeHint: () =>
    'Write the configuration as data, with the same keys: .nixtagrc.yaml, .nixtagrc.json or package.json#nixtag (`nixtag init` prints one to start from).',
  configCodeUntrusted: (file: string, whose: 'commit' | 'merge') =>
    whose === 'commit'
      ? `${file} is code, and the judged commit's code differs from HEAD's: nixtag runs no JavaScript or TypeScript of a commit that is not checked out (it would run with your environment and credentials).`
      : `${file} is code, and the merge brings in code that differs from HEAD's: nixtag runs no JavaScript or TypeScript that a merge (or a squash merge, or a cherry-pick) brings in before it is committed (another branch's code would run with your environment and credentials).`,
  configLoadsForeign: (file: string, whose: 'commit' | 'merge') =>
    `The configuration's code loads ${file}, which differs from HEAD's in the ${whose === 'commit' ? 'judged commit' : 'merge'}: nixtag runs no code of ${whose === 'commit' ? 'a commit that is not checked out' : 'what a merge brings in before it is committed'}, whatever the file is named (it would run with your environment and credentials).`,
  configCodeUnwatched: (version: string, whose: 'commit' | 'merge') =>
    `The configuration is code and files of the ${whose === 'commit' ? 'judged commit' : 'merge'} differ from HEAD's: Node ${version} cannot show nixtag which files the configuration loads (Node 22.15 or newer can), so none of it runs.`,
  configCodeUntrustedHint: (whose: 'commit' | 'merge') =>
    whose === 'commit'
      ? 'Check the commit out and judge it there, or set NIXTAG_TRUST_CONFIG=1 to run its configuration code (only for a commit whose code you trust).'
      : "Read what the merge changes in the configuration (`git diff HEAD`); if you trust it, commit with `NIXTAG_TRUST_CONFIG=1 git commit` (once committed, it is HEAD's configuration, and yours). Your own edits of the configuration go in a commit of their own.",
  configUntrusted: (file: string, settings: readonly string[], whose: 'commit' | 'merge') =>
    `${file} sets ${settings.join(', ')}, and HEAD's configuration does not: nixtag loosens no confinement for ${whose === 'commit' ? 'a commit that is not checked out' : 'what a merge (or a squash merge, or a cherry-pick) brings in before it is committed'} (its expressions would read this machine's files, fetch with them or run their builders, with your environment and credentials; a registry.insecure host would get your registry credentials over plain HTTP).`,
  configUntrustedHint: (whose: 'commit' | 'merge') =>
    whose === 'commit'
      ? 'Check the commit out and judge it there, judge it confined with --restrict-eval, or set NIXTAG_TRUST_CONFIG=1 to obey its configuration (only for a commit you trust).'
      : "Read what the merge changes in the configuration (`git diff HEAD`); if you trust it, commit with `NIXTAG_TRUST_CONFIG=1 git commit` (once committed, it is HEAD's configuration, and yours). Your own loosening goes in a commit of its own.",
  configNeedsTypeScript: () =>
    'A nixtag.config.ts is loaded with the typescript package: `npm install --save-dev typescript`, or write the configuration as .nixtagrc.yaml.',
  ambiguousRepositories: (repositories: readonly string[]) =>
    `Without configuration nixtag manages one image, but references with Nix-hash tags name ${repositories.length} repositories: ${list(repositories)}.`,
  ambiguousRepositoriesHint: () =>
    `Run \`${cmd('init')}\`: it proposes a configuration that names the expression building each of them (\`${cmd('init --write')}\` writes it to .nixtagrc.yaml).`,
  unknownImage: (name: string, known: readonly string[]) =>
    `There is no image named '${name}'${known.length > 0 ? `; the configured images are ${list(known)}` : ''}.`,
  unknownMarkerImage: (file: string, position: { line: number; column: number }, name: string) =>
    `${file}:${position.line}:${position.column}: the $nixtag marker names '${name}', which is not a configured image; the reference is left unmanaged.`,
};
