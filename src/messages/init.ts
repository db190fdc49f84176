/** The user-facing strings of `nixtag init`, part of `messages` (src/messages.ts) as `messages.init`. */
import { cmd } from '../invocation.js';

export const initMessages = {
  header: () => [
    'nixtag configuration, proposed by `nixtag init` from what it found in this repository.',
    "Every key is described in nixtag's docs/configuration.md; keys not set here keep their",
    'defaults (system: x86_64-linux, checkoutName: source, pin: .nixpkgs-pin.json, manifests: every tracked YAML).',
  ],
  noImageFound: () =>
    'No tracked .nix file that evaluates to a derivation could be matched with an image reference; fill in an image:',
  imageBecause: (nix: string, name: string, because: 'tag' | 'imageName' | 'only', tagFrom?: 'imageTag') =>
    `${nix} builds ${name}; ${
      because === 'tag'
        ? `a reference already carries its ${tagFrom ?? 'tag'}`
        : because === 'imageName'
          ? tagFrom
            ? 'the repository is its imageName, and a pipeline that pushes it under its own name pushes its own tag, which Nix computes (tagFrom: imageTag; outPath if CI tags it with its output path, as n2k8s does)'
            : 'the repository is its imageName'
          : 'the root default.nix is the only expression and this the only repository of your own: check that they belong together'
    }.`,
  suggestions: () =>
    'Names that only resemble each other, not evidence (a tag, an imageName): uncomment only if the expression builds that image, or `fix` would retag an image built elsewhere:',
  schemeOutPath: (imageTag: string | undefined) =>
    `Its tags are the output path's hash (as n2k8s pushes): tagFrom: outPath.${imageTag === undefined ? '' : ` (Its imageTag, '${imageTag}', is not a Nix hash.)`}`,
  schemeImageTag: () =>
    "Its tags are the image's own imageTag, not the output path's hash (as `docker load` of a layered image names it): tagFrom: imageTag.",
  schemeNeither: (outPathHash: string, imageTag: string | undefined) =>
    `Its Nix-hash tags match neither the output path's hash (${outPathHash}) nor ${imageTag === undefined ? 'an imageTag (it has none)' : `its imageTag (${imageTag})`}: built from another tree or by another expression? The first fix writes the output path's hash.`,
  imageTagNotHash: (imageTag: string) =>
    `Its imageTag, '${imageTag}', is not a Nix hash, so the tag is the output path's hash: tagFrom: outPath.`,
  referencedAt: (places: readonly string[]) =>
    `Referenced at ${places.slice(0, 5).join(', ')}${places.length > 5 ? ` and ${places.length - 5} more` : ''}.`,
  unmatchedExpressions: () =>
    'Expressions that build a derivation no reference was matched with (uncomment to manage):',
  components: () =>
    'Derivations without an imageName that share a name with an image here (its components), not offered as images:',
  unmatchedRepositories: () => 'Repositories no expression here was found to build (left unmanaged):',
  notImages: () => 'Nix files that are not an image on their own (not called, or not one derivation):',
  change: (file: string, line: number, column: number, current: string, tag: string) =>
    `  ${file}:${line}:${column}: ${current} -> tag ${tag}`,
  firstFix: (count: number) =>
    count === 0
      ? 'The first `fix` changes nothing: every managed tag is already the one CI will push.'
      : `The first \`${cmd('fix')}\` will change ${count} reference${count === 1 ? '' : 's'}:`,
  nothingToManage: () => 'nixtag init: found nothing to manage, so nothing is written.',
  printed: () =>
    `To use it, save it as .nixtagrc.yaml (\`${cmd('init --write')}\` does), review it, then run \`${cmd('fix')}\`.`,
  wrote: (file: string) =>
    `nixtag init: wrote ${file} and staged it (nixtag reads the configuration git tracks, as CI does). Review it, then run \`${cmd('fix')}\` and commit.`,
  configExists: (file: string) => `There is a nixtag configuration already: ${file}.`,
  configExistsHint: () =>
    `Edit it, or move it away and run \`${cmd('init --write')}\` again (\`${cmd('init')}\` alone only prints).`,
};
