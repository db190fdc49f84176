import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { evaluationKey } from '../../src/engine/evaluation.js';
import { defaultImage, imageFor, inferImage, speculativeImages } from '../../src/engine/images.js';
import { anyCanMatter } from '../../src/skip/canMatter.js';
import { mentionWarnings } from '../../src/engine/mentions.js';
import { isMentionPlace, MENTION_PATHSPECS } from '../../src/manifest/fileNames.js';
import { grepTree } from '../../src/git/grep.js';
import { openRepository } from '../../src/git/repository.js';
import { repositoryPaths } from '../../src/engine/narrow.js';
import { NixtagError } from '../../src/errors.js';
import type { TreeEntry } from '../../src/types.js';
import { readReference, type ParsedReference } from '../../src/manifest/resolve.js';
import { scanManifest } from '../../src/manifest/scan.js';
import type { ImageEvaluation } from '../../src/nix/evaluate.js';
import { evaluationInputs, staticInputs } from '../../src/nix/source/inputs.js';
import { linksThrough, pathsThrough } from '../../src/manifest/links.js';
import { EvaluationCache } from '../../src/state/evaluations.js';
import { isInput } from '../../src/state/inputKey.js';
import { statePaths } from '../../src/state/paths.js';
import { getDefaultSearchPlaces } from 'cosmiconfig';
import { canMatter, mayConfigure, readJudgement, recordJudgement, type Judgement } from '../../src/state/judgements.js';
import { mayNameConfiguration } from '../../src/configNames.js';
import { gitRepo, tempDir } from '../helpers/repo.js';
import { resolvedImages } from '../helpers/manifests.js';

const HASH_A = 'bhvhf4ndzxgqnlwzv5s272i5xs2qs6v0';
const HASH_B = 'a5s7gw4ll3p0vhf2yq0kxzqv3b1b5b9c';

const evaluation = (tag: string): ImageEvaluation => ({
  name: 'app',
  outPath: `/nix/store/${tag}-x`,
  tag,
  warnings: [],
});

/** A tree: the expression, a source file, a README and a manifest, with the blob ids given. */
function tree(oids: {
  nix?: string;
  main?: string;
  readme?: string;
  manifest?: string;
  extra?: TreeEntry[];
}): TreeEntry[] {
  return [
    { mode: '100644', oid: oids.nix ?? 'n1', path: 'default.nix' },
    { mode: '100644', oid: oids.main ?? 'm1', path: 'src/main.go' },
    { mode: '100644', oid: oids.readme ?? 'r1', path: 'README.md' },
    { mode: '100644', oid: oids.manifest ?? 'k1', path: 'k8s/app.yaml' },
    ...(oids.extra ?? []),
  ];
}

const INPUTS = { paths: ['.nixtagrc.yaml', 'default.nix', 'src'] };
const tags = (tag: string) => new Map([['key', evaluation(tag)]]);

describe('the evaluation cache', () => {
  it('answers while the recorded inputs are unchanged, and misses when one changes', () => {
    const cache = new EvaluationCache(tempDir());
    cache.store('env', tree({}), [{ inputs: INPUTS, tags: tags(HASH_A) }]);
    const lookup = (entries: TreeEntry[], environment = 'env') =>
      cache.lookup(environment, entries, ['key'])?.tags.get('key')?.tag;
    expect(lookup(tree({}))).toBe(HASH_A);
    expect(lookup(tree({ readme: 'r2', manifest: 'k2' }))).toBe(HASH_A);
    expect(lookup(tree({ main: 'm2' }))).toBeUndefined();
    expect(lookup(tree({ nix: 'n2' }))).toBeUndefined();
    expect(lookup(tree({}), 'other Nix')).toBeUndefined();
    // A file under an input directory, an input that appears, and .gitattributes anywhere count.
    expect(lookup(tree({ extra: [{ mode: '100644', oid: 'x', path: 'src/new.go' }] }))).toBeUndefined();
    expect(lookup(tree({ extra: [{ mode: '100644', oid: 'x', path: '.nixtagrc.yaml' }] }))).toBeUndefined();
    expect(lookup(tree({ extra: [{ mode: '100644', oid: 'x', path: 'k8s/.gitattributes' }] }))).toBeUndefined();
    expect(lookup(tree({ extra: [{ mode: '100644', oid: 'x', path: 'docs/guide.md' }] }))).toBe(HASH_A);
  });

  it('with the whole tree as input, misses on any change, manifests included', () => {
    const cache = new EvaluationCache(tempDir());
    cache.store('env', tree({}), [{ inputs: { paths: [''], wholeTree: 'why' }, tags: tags(HASH_A) }]);
    expect(cache.lookup('env', tree({}), ['key'])?.tags.get('key')?.tag).toBe(HASH_A);
    expect(cache.lookup('env', tree({ manifest: 'k2' }), ['key'])).toBeUndefined();
    expect(cache.lookup('env', tree({ readme: 'r2' }), ['key'])).toBeUndefined();
  });

  it('keeps records of several trees, found again by a new reader of the file', () => {
    const gitDir = tempDir();
    new EvaluationCache(gitDir).store('env', tree({}), [{ inputs: INPUTS, tags: tags(HASH_A) }]);
    new EvaluationCache(gitDir).store('env', tree({ main: 'm2' }), [{ inputs: INPUTS, tags: tags(HASH_B) }]);
    const cache = new EvaluationCache(gitDir);
    expect(cache.lookup('env', tree({ readme: 'r9' }), ['key'])?.tags.get('key')?.tag).toBe(HASH_A);
    expect(cache.lookup('env', tree({ main: 'm2' }), ['key'])?.tags.get('key')?.tag).toBe(HASH_B);
    expect(cache.lookup('env', tree({}), ['other key'])).toBeUndefined();
  });

  it('starts empty from a file that is not a cache', () => {
    const gitDir = tempDir();
    const file = statePaths(gitDir).evaluations;
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '{"version": 2, "recor');
    expect(new EvaluationCache(gitDir).lookup('env', tree({}), ['key'])).toBeUndefined();
    writeFileSync(file, '{"version": 2, "records": null}');
    expect(new EvaluationCache(gitDir).lookup('env', tree({}), ['key'])).toBeUndefined();
  });
});

/** Writes `files` under a new directory: its path, and the files as a tree lists them. */
function writeTree(files: Record<string, string | Buffer>): { root: string; entries: TreeEntry[] } {
  const root = tempDir();
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return { root, entries: Object.keys(files).map((file) => ({ mode: '100644', oid: file, path: file })) };
}

describe('the inputs of an evaluation', () => {
  async function inputsOf(files: Record<string, string>, entries: TreeEntry[] = []) {
    const root = writeTree(files).root;
    const evaluated = [...Object.keys(files).map((file) => path.join(root, file)), '/nix/store/x-nixpkgs/default.nix'];
    return (await evaluationInputs(root, evaluated, [], ['.nixtagrc.yaml'], entries)).all;
  }

  it('are the parsed files, their path literals as files or directories, and what is always read', async () => {
    const inputs = await inputsOf({
      'services/api/default.nix': `{ pkgs ? import <nixpkgs> {} }:
let shared = import ../../nix/shared.nix; in
pkgs.buildGoModule { src = ./.; patches = [ ./fix.patch ]; config = builtins.pathExists ./conf/app.json; }`,
      'nix/shared.nix': '{ overlay = import ./overlays/${name}.nix; }',
    });
    expect(inputs.wholeTree).toBeUndefined();
    expect(inputs.paths).toEqual([
      '.nixtagrc.yaml',
      'nix/overlays',
      'nix/shared.nix',
      'services/api',
      'services/api/conf/app.json',
      'services/api/default.nix',
      'services/api/fix.patch',
    ]);
  });

  it('are every file where a name interpolated into a path may be a `..` some file of the closure builds', async () => {
    for (const built of [
      'builtins.readFile ./conf/up.txt',
      '"." + "."',
      'builtins.fromJSON (builtins.readFile ./n.json)',
    ]) {
      const inputs = await inputsOf({
        'services/api/default.nix': `let shared = import ../../nix/shared.nix; in { up = ${built}; inherit shared; }`,
        'nix/shared.nix': '{ name }: import ./overlays/${name}/default.nix',
      });
      expect([built, inputs.wholeTree]).toEqual([built, expect.stringContaining('./overlays/${…} (line 1)')]);
    }
  });

  it.each([
    ['/. + "/etc"', '/. +'],
    ['builtins.toPath "./x"', 'toPath'],
    ['builtins.fetchGit "/home/me/repo"', 'fetch of a local path'],
    ['import <mine/x.nix>', 'search path'],
    ['import (./nix + "/../secret.nix")', 'extended with +'],
    ['import (dirOf ./.)', 'dirOf'],
    ['builtins.readFile (builtins.replaceStrings [ "a" ] [ "b" ] (toString ./a))', 'toString ./a'],
    ['{ root ? ./. }: builtins.readFile "${toString root}x"', 'toString root'],
    ['builtins.readFile (toString cfg.src + ".json"); cfg.src = ./app', 'toString cfg.src'],
    ['builtins.readFile (__curPos.file + ".json")', '__curPos'],
    ['(builtins.unsafeGetAttrPos "a" { a = 1; }).file', 'unsafeGetAttrPos'],
  ])('are the whole tree when a file uses %s', async (construct, why) => {
    const inputs = await inputsOf({ 'default.nix': `let x = ${construct}; in x` });
    expect(inputs.paths).toEqual(['']);
    expect(inputs.wholeTree).toContain(why);
  });

  it('are not the whole tree for toString where a location can name no other file', async () => {
    const inputs = await inputsOf({
      'default.nix':
        '{ port ? 8080, version ? "1" }: { ports."${toString port}/tcp" = {}; tag = "v${toString version}"; n = toString 3; src = ./src; }',
    });
    expect(inputs.wholeTree).toBeUndefined();
  });

  it('are the whole tree for toString of a parameter elsewhere, once a path is passed on', async () => {
    // A caller may pass a path as `version`: its location, bound to `tag`, can be edited into
    // another file's name wherever `tag` goes.
    const inputs = await inputsOf({
      'default.nix': '{ version ? "1" }: { tag = toString version; src = ./src; }',
    });
    expect(inputs.wholeTree).toContain('toString version (line 1), a location as a string');
  });

  it('are the whole tree when a tracked symlink lies among them', async () => {
    const link = { mode: '120000', oid: 'l', path: 'src/current' };
    expect((await inputsOf({ 'default.nix': 'import ./lib/app.nix' }, [link])).wholeTree).toBeUndefined();
    const inputs = await inputsOf({ 'default.nix': '{ src = ./src; }' }, [link]);
    expect(inputs.wholeTree).toContain('src/current');
    expect(isInput(inputs, 'anything/at/all')).toBe(true);
  });

  it('say which changed paths can change a tag', () => {
    const inputs = { paths: ['default.nix', 'src'] };
    expect(isInput(inputs, 'src/main.go')).toBe(true);
    expect(isInput(inputs, 'default.nix')).toBe(true);
    expect(isInput(inputs, 'deploy/.gitattributes')).toBe(true);
    expect(isInput(inputs, 'srcfoo/main.go')).toBe(false);
    expect(isInput(inputs, 'README.md')).toBe(false);
  });
});

describe('the inputs of images before any evaluation (PATH narrowing)', () => {
  async function staticOf(files: Record<string, string | Buffer>) {
    const { root, entries } = writeTree(files);
    return staticInputs(root, ['default.nix'], [], entries);
  }

  it('follow every file a literal names, or a directory named with an interpolation holds, whatever its name', async () => {
    const inputs = await staticOf({
      'default.nix': 'import ./image.nix.in { part = import ./parts/${name}; }',
      'image.nix.in': 'builtins.pathExists ./data.txt',
      'data.txt': 'see ./more/notes\n',
      'parts/a.tmpl': 'builtins.pathExists ../lib/x.txt',
      'unrelated.in': 'builtins.readFile ./secret',
    });
    expect(inputs.wholeTree).toBeUndefined();
    expect(inputs.paths).toEqual([
      'data.txt',
      'default.nix',
      'image.nix.in',
      'lib/x.txt',
      'more/notes',
      'parts',
      'parts/a.tmpl',
    ]);
  });

  it('do not read a binary file for literals; a large non-Nix file makes every file count', async () => {
    const binary = await staticOf({
      'default.nix': 'builtins.readFile ./logo.png',
      'logo.png': Buffer.from([0x89, 0x50, 0, 0x2e, 0x2f, 0x78, 0x2f, 0x79]),
    });
    expect(binary).toEqual({ paths: ['default.nix', 'logo.png'] });
    const large = await staticOf({ 'default.nix': 'import ./big.in', 'big.in': `"${'x'.repeat(1 << 21)}"` });
    expect(large.paths).toEqual(['']);
    expect(large.wholeTree).toContain('big.in');
  });
});

describe('the paths a symlinked manifest is read through', () => {
  it('are every link of a chain, a linked directory on the way, and the end, inside the repository', () => {
    const root = realpathSync(tempDir());
    mkdirSync(path.join(root, 'envs/v1'), { recursive: true });
    writeFileSync(path.join(root, 'envs/v1/app.yaml'), 'x\n');
    symlinkSync('v1', path.join(root, 'envs/current'));
    symlinkSync('../envs/current/app.yaml', path.join(root, 'envs/link'));
    symlinkSync('envs/link', path.join(root, 'deploy.yaml'));
    expect(pathsThrough(root, 'deploy.yaml').sort()).toEqual([
      'deploy.yaml',
      'envs/current',
      'envs/link',
      'envs/v1/app.yaml',
    ]);
    symlinkSync('missing/x.yaml', path.join(root, 'dangling.yaml'));
    expect(pathsThrough(root, 'dangling.yaml').sort()).toEqual(['dangling.yaml', 'missing/x.yaml']);
    symlinkSync('/etc/hostname', path.join(root, 'outside.yaml'));
    expect(pathsThrough(root, 'outside.yaml')).toEqual(['outside.yaml']);
    symlinkSync('loop.yaml', path.join(root, 'loop.yaml'));
    expect(pathsThrough(root, 'loop.yaml')).toEqual(['loop.yaml']);
  });

  it('name the first link that names an absolute path or leaves the repository, even to come back in', () => {
    const root = realpathSync(tempDir());
    mkdirSync(path.join(root, 'conf'));
    symlinkSync('conf', path.join(root, '.config'));
    expect(linksThrough(root, '.config/nixtagrc')).toEqual({
      passed: ['.config', 'conf/nixtagrc'],
      linked: true,
      reached: 'conf/nixtagrc',
      leaves: undefined,
    });
    expect(linksThrough(root, 'conf/nixtagrc')).toMatchObject({ linked: false, passed: ['conf/nixtagrc'] });
    symlinkSync('/etc', path.join(root, 'abs'));
    expect(linksThrough(root, 'abs/x').leaves).toEqual({ link: 'abs', why: 'absolute' });
    // Out through the repository's own directory name and back: CI's clone is named otherwise.
    symlinkSync(`../${path.basename(root)}/conf`, path.join(root, 'round'));
    expect(linksThrough(root, 'round/x')).toMatchObject({ leaves: { link: 'round', why: 'outside' } });
    symlinkSync('round', path.join(root, 'chain'));
    expect(linksThrough(root, 'chain/x').leaves).toEqual({ link: 'round', why: 'outside' });
    // A link to the root itself reaches '' (every name at the root); a file on the way is no link.
    symlinkSync('.', path.join(root, 'here'));
    expect(linksThrough(root, 'here')).toMatchObject({ passed: ['here'], reached: '' });
    writeFileSync(path.join(root, 'file'), 'x\n');
    expect(linksThrough(root, 'file/nixtagrc')).toMatchObject({ linked: false, leaves: undefined });
  });
});

describe('the last judgement', () => {
  const judgement = (extra: Partial<Judgement> = {}): Judgement => ({
    environment: 'env',
    tree: 'tree1',
    ok: true,
    references: 2,
    inputs: { paths: ['.nixtagrc.yaml', 'services/api'] },
    manifests: ['k8s/app.yaml'],
    ...extra,
  });

  it('is read back as written, and not at all from a damaged file', () => {
    const gitDir = tempDir();
    expect(readJudgement(gitDir)).toBeUndefined();
    const withGlobs = judgement({ globs: ['k8s/**'], defaultSet: false });
    recordJudgement(gitDir, withGlobs);
    expect(readJudgement(gitDir)).toEqual(withGlobs);
    // With the default set, YAML files matter whether listed or not: only the others are kept.
    recordJudgement(gitDir, judgement({ manifests: ['k8s/app.yaml', 'deploy/manifest.txt'] }));
    const kept = readJudgement(gitDir)!;
    expect(kept.manifests).toEqual(['deploy/manifest.txt']);
    expect(canMatter(kept, 'k8s/app.yaml')).toBe(true);
    expect(canMatter(kept, 'deploy/manifest.txt')).toBe(true);
    writeFileSync(statePaths(gitDir).judgement, '{"tree": "x", "inputs": null}');
    expect(readJudgement(gitDir)).toBeUndefined();
  });

  it('says which changed paths can change a verdict', () => {
    const matters = (file: string, extra?: Partial<Judgement>) => canMatter(judgement(extra), file);
    expect(matters('services/api/main.go')).toBe(true); // an input
    expect(matters('k8s/app.yaml')).toBe(true); // a manifest
    expect(matters('k8s/new.yml')).toBe(true); // may become one in the default set
    expect(matters('overlays/prod/Kustomization')).toBe(true);
    expect(matters('.nixtagrc.json')).toBe(true); // may configure nixtag
    expect(matters('package.json')).toBe(true);
    expect(matters('services/web/.gitattributes')).toBe(true);
    expect(matters('README.md')).toBe(false);
    expect(matters('services/web/main.go')).toBe(false);
    expect(matters('docs/package.json')).toBe(false);
    // Every run reads every kustomization, in the globs or not (what it pulls in, what it patches).
    const globbed = judgement({ globs: ['k8s/**'], defaultSet: false });
    const inK8s = (file: string) => file.startsWith('k8s/');
    expect(canMatter(globbed, 'overlays/prod/kustomization.yaml', inK8s)).toBe(true);
    expect(canMatter(globbed, 'overlays/prod/Kustomization', inK8s)).toBe(true);
    expect(canMatter(globbed, 'overlays/prod/deploy.yaml', inK8s)).toBe(false);
  });

  it("knows every place cosmiconfig looks for nixtag's configuration", () => {
    for (const place of getDefaultSearchPlaces('nixtag')) expect(mayConfigure(place), place).toBe(true);
    // `.config` itself: a symlink, a submodule or a file in place of the directory.
    expect(mayConfigure('.config')).toBe(true);
    expect(mayConfigure('docs/.nixtagrc')).toBe(false);
    expect(mayConfigure('docs/.config')).toBe(false);
  });

  it('knows a misspelt configuration name, which a run without configuration refuses, and watches it', () => {
    const misspelt = [
      '.nixtag.yaml',
      '.nixtagrc.ymal',
      '.nixtagrc.yam',
      '.nixtgrc.yaml',
      '.nixtag-rc.yaml',
      '.nixtag_rc.yaml',
      '.nixtagrc-yaml',
      '.nixtagrc.yaml~',
      '.nixtagrc.yaml ',
      'nixtag.json',
      'nixtag-config.yaml',
      'nixtag_config.yaml',
      'nixtag.config.json',
      'NixTag.yml',
      '.config/nixtag.yaml',
      '.config/nixtagrc.json.bak',
    ];
    // Configured globs that take none of them: only the name makes them matter to the skip decision.
    const narrow = judgement({ globs: ['deploy/**/*.yaml'] });
    for (const name of misspelt) {
      expect(mayNameConfiguration(name), name).toBe(true);
      expect(
        canMatter(narrow, name, () => false),
        name,
      ).toBe(true);
    }
    for (const name of [
      'nixtag.nix',
      'NIXTAG.md',
      'nixtag.sh',
      'nixtag-0.1.0.tgz',
      'mixtape.yaml',
      'docs/.nixtag.yaml',
    ]) {
      expect(mayNameConfiguration(name), name).toBe(false);
    }
  });

  it('asks configured globs, not the default set, for new manifests', async () => {
    const globbed = judgement({ globs: ['deploy/**/*.yaml'] });
    expect(await anyCanMatter(globbed, ['ci/pipeline.yaml'])).toBe(false);
    expect(await anyCanMatter(globbed, ['ci/pipeline.yaml', 'deploy/prod/app.yaml'])).toBe(true);
    expect(await anyCanMatter(judgement(), ['ci/pipeline.yaml'])).toBe(true);
  });
});

describe('PATH arguments', () => {
  function paths(given: string[]) {
    const root = tempDir();
    for (const file of ['services/api/main.go', 'README.md']) {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), '');
    }
    return repositoryPaths(root, path.join(root, 'services'), given);
  }

  it('are repository paths, relative to cwd; one outside the repository is refused', () => {
    expect(paths(['api/main.go', '../README.md'])).toEqual(['services/api/main.go', 'README.md']);
    expect(() => paths(['api/main.go', '/tmp'])).toThrow(expect.objectContaining({ code: 'PATH_OUTSIDE_REPOSITORY' }));
  });

  it('refuse a path that is not there', () => {
    expect(() => paths(['api/gone.go'])).toThrow(NixtagError);
  });
});

function references(text: string): ParsedReference[] {
  const { scanned } = scanManifest('k8s/app.yaml', text, true);
  return scanned.occurrences.map(readReference).filter((reference) => reference !== undefined);
}

describe('image inference without configuration', () => {
  it('takes the one repository whose references carry a Nix hash as tag', () => {
    const image = inferImage(references(`image: registry.example.com/team/app:${HASH_A}\n---\nimage: nginx:1.25\n`));
    expect(image).toMatchObject({
      name: 'app',
      repository: 'registry.example.com/team/app',
      canonical: 'registry.example.com/team/app',
      inferred: true,
    });
    expect(image?.config.nix).toBe('default.nix');
  });

  it('finds none among references without hash tags, and refuses two repositories', () => {
    expect(inferImage(references('image: nginx:1.25\n'))).toBeUndefined();
    expect(() =>
      inferImage(references(`a:\n  image: one/app:${HASH_A}\nb:\n  image: two/app:${HASH_B}\n`)),
    ).toThrowError(expect.objectContaining({ code: 'CONFIG_AMBIGUOUS' }));
  });

  it('claims only hash-tagged references of the inferred repository; a configured image claims all of its own', () => {
    const [hashed, plain] = references(`a:\n  image: lewo/app:${HASH_A}\nb:\n  image: lewo/app:v1\n`);
    const inferred = inferImage([hashed!])!;
    expect(imageFor(hashed!, [inferred])?.name).toBe('app');
    expect(imageFor(plain!, [inferred])).toBeUndefined();
    const configured = resolvedImages([{ name: 'app', repository: 'docker.io/lewo/app' }]);
    expect(imageFor(plain!, configured)?.name).toBe('app');
  });

  it('binds a marked reference by the marker name', () => {
    const [marked] = references(`image: other/thing:v1 # {"$nixtag": "app"}\n`);
    const images = resolvedImages([{ name: 'app', repository: 'lewo/app' }]);
    expect(imageFor(marked!, images)?.name).toBe('app');
    expect(imageFor(marked!, resolvedImages([{ name: 'web', repository: 'other/thing' }]))).toBeUndefined();
  });
});

describe('what is evaluated before the manifests are read', () => {
  const entries = [{ mode: '100644', oid: 'x', path: 'default.nix' }];
  it('is every configured image, or the root default.nix without configuration', () => {
    const configured = resolvedImages([{ name: 'app', repository: 'lewo/app' }]);
    expect(speculativeImages({ images: [configured[0]!.config] }, configured, entries)).toBe(configured);
    expect(speculativeImages({ images: undefined }, [], entries).map((image) => image.config.nix)).toEqual([
      'default.nix',
    ]);
    expect(speculativeImages({ images: undefined }, [], [])).toEqual([]);
  });

  it('evaluates images with the same expression, attribute, arguments and tag source once', () => {
    const a = defaultImage('a', 'lewo/a');
    const b = defaultImage('b', 'lewo/b');
    expect(evaluationKey(a)).toBe(evaluationKey(b));
    expect(evaluationKey({ ...b, config: { ...b.config, args: { flavour: 'prod' } } })).not.toBe(evaluationKey(a));
    expect(evaluationKey({ ...b, config: { ...b.config, attr: 'image' } })).not.toBe(evaluationKey(a));
  });
});

describe('mentions', () => {
  const images = resolvedImages([{ name: 'app', repository: 'registry.example/app' }]);
  const mentioned = (text: string) =>
    mentionWarnings([{ file: 'docs/deploy.md', line: 1, text }], images, [], []).length === 1;

  it('are whole repository names, also at the end of a sentence', () => {
    expect(mentioned('Deploy registry.example/app to production')).toBe(true);
    expect(mentioned('We deploy registry.example/app.')).toBe(true);
    expect(mentioned('image: registry.example/app:v1')).toBe(true);
    expect(mentioned('registry.example/app.v2 is another image')).toBe(false);
    expect(mentioned('registry.example/app-other')).toBe(false);
    expect(mentioned('registry.example/app/sub')).toBe(false);
  });

  it('stand where a value can: not in a comment, not in a key', () => {
    expect(mentioned('sidecar: registry.example/app:v1 # pinned')).toBe(true);
    expect(mentioned('- registry.example/app:v1')).toBe(true);
    expect(mentioned('"image": "registry.example/app:v1",')).toBe(true);
    expect(mentioned('FROM registry.example/app:v1 AS base')).toBe(true);
    expect(mentioned('  # built as registry.example/app')).toBe(false);
    expect(mentioned('x: 1 # registry.example/app')).toBe(false);
    expect(mentioned('// registry.example/app')).toBe(false);
    expect(mentioned('registry.example/app: enabled')).toBe(false);
    expect(mentioned('"registry.example/app": true')).toBe(false);
  });

  it('are searched as configured: with the registry when it is written, never as a bare word', () => {
    const hub = (repository: string, text: string) =>
      mentionWarnings([{ file: 'values.yaml', line: 1, text }], resolvedImages([{ name: 'bash', repository }]), [], [])
        .length === 1;
    // docker.io/library/bash is not the shebang's `bash`, nor a chart named bitnami/nginx.
    expect(hub('docker.io/library/bash', 'command: [bash, -c]')).toBe(false);
    expect(hub('docker.io/library/bash', '#!/usr/bin/env bash')).toBe(false);
    expect(hub('docker.io/library/bash', 'image: bash:5.2')).toBe(false);
    expect(hub('docker.io/library/bash', 'image: docker.io/library/bash:5.2')).toBe(true);
    expect(hub('docker.io/library/bash', 'image: index.docker.io/bash:5.2')).toBe(true);
    expect(hub('docker.io/bitnami/nginx', 'chart: bitnami/nginx')).toBe(false);
    expect(hub('docker.io/bitnami/nginx', 'repository: registry-1.docker.io/bitnami/nginx')).toBe(true);
    // Configured without a registry: as written, with or without one; a bare word only with a tag.
    expect(hub('bitnami/nginx', 'chart: bitnami/nginx')).toBe(true);
    expect(hub('bitnami/nginx', 'image: docker.io/bitnami/nginx:1')).toBe(true);
    expect(hub('bash', 'shell: bash')).toBe(false);
    expect(hub('bash', 'image: bash:5.2')).toBe(true);
  });

  it("leave out every line a managed reference is read from, a kustomize entry's name included", () => {
    const text = [
      'kind: Kustomization',
      'images:',
      '- name: registry.example/app',
      '  newName: registry.example/app',
      '  newTag: v1',
      '- name: registry.example/app',
      '  tagSuffix: -debug',
      'values:',
      '  registry: registry.example',
      '  repository: app',
      '  tag: v1',
      '',
    ].join('\n');
    const outcome = scanManifest('k/kustomization.yaml', text, true);
    if (!('scanned' in outcome)) throw new Error('not scanned');
    const found = outcome.scanned.occurrences.map(readReference).filter((reference) => reference !== undefined);
    const entry = {
      file: 'k/kustomization.yaml',
      parsed: undefined,
      target: '',
      references: found.map((reference) => ({ reference, image: images[0] })),
    };
    const hits = text.split('\n').map((line, index) => ({ file: entry.file, line: index + 1, text: line }));
    const lines = mentionWarnings(hits, images, [entry], []).map((warning) => warning.line);
    // The tagSuffix entry sets no tag, but its lines are read (its suffix reaches the base's references).
    expect(lines).toEqual([]);
  });

  it('are looked for only in files where an image can be named, not in prose or scripts', async () => {
    const repo = gitRepo({
      'README.md': 'registry.example/app\n',
      'CHANGELOG.md': 'registry.example/app\n',
      'deploy.sh': 'docker pull registry.example/app\n',
      'chart/templates/_helpers.tpl': 'image: registry.example/app\n',
      'config/values.YAML': 'image: registry.example/app\n',
      'Dockerfile.prod': 'FROM registry.example/app\n',
      'jsonnet/app.libsonnet': "image: 'registry.example/app',\n",
    });
    const repository = await openRepository(repo.dir);
    const tree = repo.git('rev-parse', 'HEAD^{tree}').trim();
    const places = ['Dockerfile.prod', 'chart/templates/_helpers.tpl', 'config/values.YAML', 'jsonnet/app.libsonnet'];
    const hits = await grepTree(repository, tree, ['registry.example/app'], MENTION_PATHSPECS);
    expect(hits.map((hit) => hit.file).sort()).toEqual(places);
    // The memo searches changed paths by the same rule, without git.
    const all = repo.git('ls-files').trim().split('\n');
    expect(all.filter(isMentionPlace).sort()).toEqual(places);
    // A caller's preference for literal or glob pathspecs changes nothing.
    for (const name of ['GIT_LITERAL_PATHSPECS', 'GIT_GLOB_PATHSPECS', 'GIT_NOGLOB_PATHSPECS']) {
      vi.stubEnv(name, '1');
      const again = await grepTree(repository, tree, ['registry.example/app'], MENTION_PATHSPECS);
      vi.unstubAllEnvs();
      expect([name, again.map((hit) => hit.file).sort()]).toEqual([name, places]);
    }
  });
});
