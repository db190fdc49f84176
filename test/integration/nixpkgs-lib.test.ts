import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { hash } from '../../src/index.js';
import { nixAtLeast } from '../helpers/nix.js';
import { gitRepo, n2k8sTag, type TestRepo } from '../helpers/repo.js';
import { fileTarball, type FileTarball } from '../helpers/tarball.js';
import { freshClone } from '../helpers/trees.js';

/** nixpkgs' real `lib` (test/fixtures/nixpkgs-lib, MIT), served as a pinned file:// tarball. */
const LIB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/nixpkgs-lib');

const preamble = `let
  pin = builtins.fromJSON (builtins.readFile ./lib-pin.json);
  lib = import "\${builtins.fetchTarball { inherit (pin) url sha256; }}/lib";
  image = src: derivation {
    name = "app"; system = builtins.currentSystem; builder = "/bin/sh"; inherit src;
    args = [ "-c" "echo > $out" ];
  };
in`;

/** Source-filtering idioms from nixpkgs' lib.sources, which Nix 2.8 evaluates. */
const classic = `${preamble} {
  cleanSource = image (lib.cleanSource ./.);
  cleanSourceWith = image (lib.cleanSourceWith {
    src = lib.cleanSource ./.; name = "source"; filter = path: type: !(lib.hasSuffix ".md" path);
  });
  sourceByRegex = image (lib.sourceByRegex ./. [ "^src$" "^src/.*[.]go$" "^default[.]nix$" ]);
}
`;

/** lib.fileset, which needs Nix 2.14 or later. */
const fileset = `${preamble} with lib.fileset; {
  unions = image (toSource { root = ./.; fileset = unions [ ./src ./classic.nix ]; });
  difference = image (toSource { root = ./.; fileset = difference (gitTracked ./.) ./docs; });
  fileFilter = image (toSource { root = ./.; fileset = fileFilter (file: file.hasExt "go") ./.; });
}
`;

/** The images, and the tarball's URL allowed: evaluation is confined by default. */
const images = (file: string, attrs: string[]) =>
  `images:\n${attrs.map((attr) => `  - { name: ${attr}, nix: ${file}, attr: ${attr}, repository: registry.example/${attr.toLowerCase()} }\n`).join('')}evaluation:\n  allowedUris: ["${lib.url}"]\n`;

let lib: FileTarball;
beforeEach(() => {
  // In the store of the Nix under test; a pinned tarball there is never fetched again.
  lib = fileTarball('nixpkgs-lib', {}, LIB);
});

/** A project with sources, docs and an untracked file, and nixtag's tags for `attrs` of `file`. */
async function project(file: string, attrs: string[]): Promise<{ repo: TestRepo; tags: Map<string, string> }> {
  const repo = gitRepo({
    'classic.nix': classic,
    'fileset.nix': fileset,
    'lib-pin.json': JSON.stringify({ url: lib.url, sha256: lib.sha256 }),
    '.nixtagrc.yaml': images(file, attrs),
    '.gitignore': '*.log\n',
    'src/main.go': 'package main\n',
    'src/util.go': 'package main // util\n',
    'docs/guide.md': '# guide\n',
    'README.md': '# app\n',
  });
  repo.write({ 'debug.log': 'ignored, untracked\n', 'src/scratch.go': 'untracked\n' });
  const result = await hash({ cwd: repo.dir, cache: false });
  return { repo, tags: new Map(result.images.map((image) => [image.name, image.hash])) };
}

/** Each attribute's tag equals n2k8s's in a fresh clone, and the sources differ from each other. */
function expectCiTags(repo: TestRepo, file: string, tags: Map<string, string>): void {
  const clone = freshClone(repo.dir);
  for (const [attr, tag] of tags) {
    const expected = n2k8sTag(clone, {}, `${file} -A ${attr}`);
    expect(expected, attr).toMatch(/^[0-9a-df-np-sv-z]{32}$/);
    expect(tag, attr).toBe(expected);
  }
  expect(new Set(tags.values()).size).toBe(tags.size);
}

describe("nixpkgs lib's source filters give the tag n2k8s computes in a fresh clone", () => {
  it('lib.cleanSource, lib.cleanSourceWith and lib.sourceByRegex', async () => {
    const attrs = ['cleanSource', 'cleanSourceWith', 'sourceByRegex'];
    const { repo, tags } = await project('classic.nix', attrs);
    expect([...tags.keys()]).toEqual(attrs);
    expectCiTags(repo, 'classic.nix', tags);
  });

  it('lib.fileset.toSource with unions, difference, gitTracked and fileFilter (Nix >= 2.14)', async () => {
    const attrs = ['unions', 'difference', 'fileFilter'];
    if (!nixAtLeast(2, 14)) {
      // Nix 2.8 lacks builtins.readFileType: n2k8s gets no tag, and nixtag fails as it does.
      const repo = gitRepo({ 'fileset.nix': fileset, 'lib-pin.json': JSON.stringify(lib) });
      expect(n2k8sTag(freshClone(repo.dir), {}, 'fileset.nix -A unions')).toBe('');
      await expect(project('fileset.nix', attrs)).rejects.toMatchObject({ code: 'NIX_EVAL_FAILED' });
      return;
    }
    const { repo, tags } = await project('fileset.nix', attrs);
    expect([...tags.keys()]).toEqual(attrs);
    expectCiTags(repo, 'fileset.nix', tags);
  });
});
