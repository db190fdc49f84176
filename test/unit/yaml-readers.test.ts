import { execFileSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { decodeManifest, detectEncoding, encodeManifest, type ManifestEncoding } from '../../src/manifest/decode.js';
import { NixtagError } from '../../src/errors.js';
import { scanManifest } from '../../src/manifest/scan.js';
import { checkText, fixText } from '../helpers/manifests.js';

// What nixtag reads must be what YAML's readers read. The oracle here is the yaml library's own
// toJS with merge keys on, which resolves aliases (keys too) and takes the last of a duplicated
// key, as yq (PyYAML), Helm and kustomize's kustomization reader do (measured: FACTS.md).
const REPO = 'registry.example/team/app';
const IMAGES = [{ name: 'app', repository: REPO }];
const TAG = 'bhvhf4ndzxgqnlwzv5s272i5xs2qs6v0';
const OLD = `${REPO}:v1`;
const CURRENT = `${REPO}:${TAG}`;

/** What a reader takes from the first document at `path`. */
function readerSees(text: string, path: Array<string | number>): unknown {
  let value = (parseAllDocuments(text, { merge: true, uniqueKeys: false })[0] as unknown as { toJS(): unknown }).toJS();
  for (const key of path) value = (value as Record<string | number, unknown>)[key];
  return value;
}

/** What the pipeline's reader, yq (PyYAML), takes from the text: the oracle of the merge cases. */
const yqSees = (text: string, filter: string) =>
  execFileSync('yq', ['-r', filter], { input: text, encoding: 'utf8' }).trim();

const verdicts = (text: string, file = 'm.yaml') =>
  checkText(file, text, IMAGES, TAG).references.map(({ status, current, line }) => [status, current, line]);

function refusal(run: () => unknown): NixtagError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(NixtagError);
    return error as NixtagError;
  }
  throw new Error('expected a refusal');
}

const pod = (containers: string) =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n${containers}`;

describe('a key written twice', () => {
  it('in a Kubernetes object is refused at the second key, whichever of the two is current (kustomize and kubectl --validate=strict refuse the file, yq takes the last)', () => {
    for (const [first, second] of [
      [CURRENT, OLD],
      [OLD, CURRENT],
    ]) {
      const text = pod(`  - name: a\n    image: ${first}\n    image: ${second}\n`);
      expect(readerSees(text, ['spec', 'containers', 0, 'image'])).toBe(second);
      // Named in the configuration or in the default set alike: a skip would pass what yq deploys.
      for (const run of [
        () => checkText('k8s/pod.yaml', text, IMAGES, TAG),
        () => scanManifest('k8s/pod.yaml', text, false),
      ]) {
        const error = refusal(run);
        expect(error.code).toBe('DUPLICATE_KEY');
        expect(error.kind).toBe('input');
        expect(error.location).toEqual({ file: 'k8s/pod.yaml', line: 9, column: 5 });
        expect(error.message).toContain('first at line 8');
        expect(error.hint).toContain('`image`');
      }
    }
  });

  it('is refused on the way to a reference too (containers, spec), through an alias key, and under a marker', () => {
    const cases = [
      pod(`  - image: ${CURRENT}\n  containers:\n  - image: ${OLD}\n`),
      `apiVersion: v1\nkind: Pod\nspec:\n  containers: []\nspec:\n  containers:\n  - image: ${OLD}\n`,
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: &k image\nspec:\n  containers:\n  - image: ${CURRENT}\n    *k : ${OLD}\n`,
      `apiVersion: v1\nkind: ConfigMap\ndata:\n  x: ${CURRENT} # {"$nixtag": "app"}\n  x: ${OLD}\n`,
    ];
    for (const text of cases) expect(refusal(() => checkText('m.yaml', text, IMAGES, TAG)).code).toBe('DUPLICATE_KEY');
  });

  it('elsewhere in a Kubernetes object changes nothing: an unrelated key may be written twice', () => {
    expect(verdicts(pod(`  - image: ${OLD}\n    env: []\n    env: []\n`))).toEqual([['stale', OLD, 7]]);
  });

  it('counts as the last in Helm values and in a kustomization, where every reader takes the last', () => {
    const values = `image:\n  repository: ${REPO}\n  tag: ${TAG}\n  tag: v1\n`;
    expect(readerSees(values, ['image', 'tag'])).toBe('v1');
    expect(verdicts(values)).toEqual([['stale', OLD, 4]]);
    expect(fixText('values.yaml', values, IMAGES, TAG).text).toBe(values.replace('tag: v1', `tag: ${TAG}`));

    const shadowed = `image:\n  repository: ${REPO}\n  tag: v1\nimage:\n  repository: ${REPO}\n  tag: ${TAG}\n`;
    expect(verdicts(shadowed)).toEqual([['ok', CURRENT, 6]]);
    expect(fixText('values.yaml', shadowed, IMAGES, TAG).text).toBe(shadowed);

    // What the last one names through an alias is read, even where an earlier key defined it.
    const anchored = `image: &i\n  repository: ${REPO}\n  tag: v1\nimage: *i\n`;
    expect(readerSees(anchored, ['image', 'tag'])).toBe('v1');
    expect(verdicts(anchored)).toEqual([['stale', OLD, 3]]);

    const kustomization = `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nimages:\n- name: ${REPO}\n  newTag: ${TAG}\n  newTag: v1\n`;
    expect(verdicts(kustomization)).toEqual([['stale', OLD, 6]]);
  });
});

describe('aliases and merge keys', () => {
  it('read an alias key as the scalar it names, in every shape', () => {
    const container = `x: &k image\nspec:\n  containers:\n  - name: a\n    *k : ${OLD}\n`;
    expect(readerSees(container, ['spec', 'containers', 0, 'image'])).toBe(OLD);
    expect(verdicts(container)).toEqual([['stale', OLD, 5]]);
    expect(fixText('m.yaml', container, IMAGES, TAG).text).toBe(container.replace(':v1', `:${TAG}`));

    const helm = `keys: [&r repository, &t tag]\nimage:\n  *r : ${REPO}\n  *t : v1\n`;
    expect(verdicts(helm)).toEqual([['stale', OLD, 4]]);
    const kustomize = `kind: Kustomization\nk: &n newTag\nimages:\n- name: ${REPO}\n  *n : v1\n`;
    expect(verdicts(kustomize)).toEqual([['stale', OLD, 5]]);
  });

  it('take a merged key from its source unless the map writes it, earlier sources first', () => {
    const text = `a: &a {tag: v1}\nb: &b {tag: v2, repository: ${REPO}}\nimage:\n  <<: [*a, *b]\n`;
    expect(readerSees(text, ['image', 'tag'])).toBe('v1');
    expect(verdicts(text).filter(([, current]) => current === OLD)).toEqual([['stale', OLD, 1]]);
  });

  it('take the later of two `<<` keys, as yq and go-yaml v2 (Helm) do', () => {
    for (const [a, b] of [
      [TAG, 'v1'],
      ['v1', TAG],
    ]) {
      const text = `a: &a {tag: ${a}}\nb: &b {tag: ${b}}\nimage:\n  repository: ${REPO}\n  <<: *a\n  <<: *b\n`;
      expect(yqSees(text, '.image.tag')).toBe(b);
      // The tag is read where b writes it (line 2).
      expect(verdicts(text, 'values.yaml')).toEqual([[b === TAG ? 'ok' : 'stale', `${REPO}:${b}`, 2]]);
    }
  });

  it('refuse a `<<` written after a key it gives another value: go-yaml v2 (Helm, kubectl) takes the merged one, yq the written one', () => {
    const base = `base: &b\n  repository: ${REPO}\n  tag: v1\n`;
    const text = `${base}image:\n  repository: ${REPO}\n  tag: ${TAG}\n  <<: *b\n`;
    expect(yqSees(text, '.image.tag')).toBe(TAG);
    for (const run of [
      () => checkText('values.yaml', text, IMAGES, TAG),
      () => fixText('values.yaml', text, IMAGES, TAG),
    ]) {
      const error = refusal(run);
      expect(error.code).toBe('DUPLICATE_KEY');
      expect(error.location).toEqual({ file: 'values.yaml', line: 7, column: 3 });
      expect(error.message).toContain('`tag` (line 6)');
    }
    const pod = `apiVersion: v1\nkind: Pod\nd: &d {image: ${OLD}}\nspec:\n  containers:\n  - image: ${CURRENT}\n    <<: *d\n`;
    expect(refusal(() => checkText('pod.yaml', pod, IMAGES, TAG)).code).toBe('DUPLICATE_KEY');
    // Every reader agrees where the merge comes first, or gives the same value.
    const first = `${base}image:\n  <<: *b\n  repository: ${REPO}\n  tag: ${TAG}\n`;
    expect(yqSees(first, '.image.tag')).toBe(TAG);
    // The base map is a reference of its own (line 3); the image map reads its own tag (line 7).
    expect(verdicts(first)).toEqual([
      ['stale', OLD, 3],
      ['ok', CURRENT, 7],
    ]);
    const same = `${base}image:\n  repository: ${REPO}\n  tag: v1\n  <<: *b\n`;
    expect(verdicts(same)).toEqual([
      ['stale', OLD, 3],
      ['stale', OLD, 6],
    ]);
  });

  it('never rewrite an anchor that a place read otherwise shares: a key no shape reads, or another repository', () => {
    const underOtherKey = `note: &img ${OLD}\nspec:\n  containers:\n  - image: *img\n`;
    expect(verdicts(underOtherKey)).toEqual([['stale', OLD, 1]]);
    const first = refusal(() => fixText('m.yaml', underOtherKey, IMAGES, TAG));
    expect(first.code).toBe('REWRITE_UNSAFE');
    expect(first.message).toMatch(/anchor that line 1 also reads/);

    const sharedTag = `app:\n  repository: ${REPO}\n  tag: &t v1\nsidecar:\n  repository: ghcr.io/acme/sidecar\n  tag: *t\n`;
    // Both readings are references: the managed one is judged, the other is seen.
    expect(verdicts(sharedTag)).toEqual([
      ['stale', OLD, 3],
      ['unmanaged', 'ghcr.io/acme/sidecar:v1', 3],
    ]);
    const second = refusal(() => fixText('m.yaml', sharedTag, IMAGES, TAG));
    expect(second.code).toBe('REWRITE_UNSAFE');
    expect(second.message).toMatch(/line 5 also reads/);

    // An alias used as a key shows the scalar there too: a rewrite would rename that key.
    const asKey = `spec:\n  containers:\n  - image: &img ${OLD}\nlabels:\n  *img : x\n`;
    expect(refusal(() => fixText('m.yaml', asKey, IMAGES, TAG)).message).toMatch(/anchor that line 5 also reads/);

    // Shared only by places that hold this image: rewritten once, at the anchor.
    const images = `a:\n  image: &img ${OLD}\nb:\n  image: *img\n`;
    expect(fixText('m.yaml', images, IMAGES, TAG).text).toBe(images.replace(':v1', `:${TAG}`));
  });
});

describe('escapes', () => {
  it('spell a key as its readers read it, and the default set does not skip such a file unread', () => {
    for (const key of ['"im\\x61ge"', '"\\u0069mage"', '"\\U00000069mage"']) {
      const text = pod(`  - name: a\n    ${key}: ${OLD}\n`);
      expect(readerSees(text, ['spec', 'containers', 0, 'image'])).toBe(OLD);
      expect(verdicts(text)).toEqual([['stale', OLD, 8]]);
      const scanned = scanManifest('k8s/pod.yaml', text, false);
      expect('scanned' in scanned && scanned.scanned.occurrences.length).toBe(1);
      expect(fixText('m.yaml', text, IMAGES, TAG).text).toBe(text.replace(':v1', `:${TAG}`));
    }
    // The anchor of an alias key, spelled with an escape.
    const aliased = `x: &k "\\u0069mage"\nspec:\n  containers:\n  - name: a\n    *k : ${OLD}\n`;
    expect(readerSees(aliased, ['spec', 'containers', 0, 'image'])).toBe(OLD);
    const scanned = scanManifest('k8s/pod.yaml', aliased, false);
    expect('scanned' in scanned && scanned.scanned.occurrences.length).toBe(1);
  });
});

describe('tags', () => {
  it('read a !!binary value as the text its bytes spell (kustomize deploys it so), and refuse to rewrite its base64', () => {
    const base64 = (text: string) => Buffer.from(text).toString('base64');
    for (const [reference, status] of [
      [OLD, 'stale'],
      [CURRENT, 'ok'],
    ] as const) {
      const text = pod(`  - name: a\n    image: !!binary ${base64(reference)}\n`);
      expect(Buffer.from(readerSees(text, ['spec', 'containers', 0, 'image']) as Uint8Array).toString()).toBe(
        reference,
      );
      expect(verdicts(text)).toEqual([[status, reference, 8]]);
    }
    // A Helm map's tag, and a kustomize entry's newTag, the same way.
    expect(verdicts(`image:\n  repository: ${REPO}\n  tag: !!binary ${base64('v1')}\n`)).toEqual([['stale', OLD, 3]]);
    const kustomization = `kind: Kustomization\nimages:\n- name: ${REPO}\n  newTag: !!binary ${base64('v1')}\n`;
    expect(verdicts(kustomization)).toEqual([['stale', OLD, 4]]);
    const error = refusal(() =>
      fixText('m.yaml', pod(`  - name: a\n    image: !!binary ${base64(OLD)}\n`), IMAGES, TAG),
    );
    expect(error.code).toBe('REWRITE_UNSAFE');
  });
});

describe('line breaks', () => {
  it('end a line wherever yq and kubectl end one (a lone CR, NEL, LS, PS), and stay as they were after fix', () => {
    for (const br of ['\r', '\u0085', '\u2028', '\u2029']) {
      const text = pod(`  - name: a${br}    image: ${OLD}${br}`);
      expect([JSON.stringify(br), verdicts(text)]).toEqual([JSON.stringify(br), [['stale', OLD, 8]]]);
      expect(fixText('m.yaml', text, IMAGES, TAG).text).toBe(text.replace(':v1', `:${TAG}`));
    }
  });
});

describe('encodings', () => {
  const text = `image: ${OLD}\n`;
  const encodings: ManifestEncoding[] = ['utf-8', 'utf-16le', 'utf-16be', 'utf-32le', 'utf-32be'];

  it('are detected as YAML 1.2 says, with a byte order mark or by the nulls of an ASCII first character', () => {
    for (const encoding of encodings) {
      for (const bom of ['\uFEFF', '']) {
        const bytes = encodeManifest(bom + text, encoding);
        expect([encoding, bom, detectEncoding(bytes)]).toEqual([encoding, bom, encoding]);
        expect(decodeManifest(bytes)).toEqual({ text: bom + text, encoding });
      }
    }
  });

  it('keep binary data binary, and say when bytes are not the encoding they start as', () => {
    expect(decodeManifest(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]))).toEqual({
      undecodable: 'binary',
    });
    // Starts like UTF-16LE, then holds control characters no YAML stream can.
    expect(decodeManifest(Buffer.from([0x41, 0, 0x01, 0, 0x02, 0]))).toEqual({ undecodable: 'binary' });
    expect(decodeManifest(Buffer.from([0xff, 0xfe, 0x41, 0, 0x00, 0xd8]))).toEqual({ undecodable: 'not-utf16' });
    expect(decodeManifest(Buffer.from([0xff, 0xfe, 0, 0, 0, 0, 0x11, 0]))).toEqual({ undecodable: 'not-utf32' });
    expect(decodeManifest(Buffer.from('caf\xe9', 'latin1'))).toEqual({ undecodable: 'not-utf8' });
  });
});

describe('kustomize images entries, as kustomize applies them', () => {
  const kustomization = (entry: string) => `kind: Kustomization\nimages:\n- name: ${REPO}\n${entry}`;

  it('set no tag with only tagSuffix or newName: the base keeps its tag, nothing here is judged or refused', () => {
    for (const entry of ['  tagSuffix: -debug\n', '  newName: other.example/app\n  tagSuffix: -x\n', '']) {
      expect(verdicts(kustomization(entry))).toEqual([]);
      expect(fixText('kustomization.yaml', kustomization(entry), IMAGES, TAG).text).toBe(kustomization(entry));
    }
  });

  it("with only newName, tie the base's references to the new name: kustomize deploys them as it, with their own tags", () => {
    // One file: the base's Deployment and the kustomization that renames its image.
    const base = (tag: string) => `kind: Pod\nspec:\n  containers:\n  - image: app:${tag}\n`;
    const renaming = `---\nkind: Kustomization\nimages:\n- name: app\n  newName: ${REPO}\n`;
    expect(verdicts(base('v1') + renaming)).toEqual([['stale', 'app:v1', 4]]);
    expect(verdicts(base(TAG) + renaming)).toEqual([['ok', `app:${TAG}`, 4]]);
    expect(fixText('m.yaml', base('v1') + renaming, IMAGES, TAG).text).toBe(base(TAG) + renaming);
    // Renamed to another repository, or not renamed: the base is not this image's.
    for (const other of [renaming.replace(REPO, 'other.example/app'), renaming.replace(`  newName: ${REPO}\n`, '')]) {
      expect(verdicts(base('v1') + other)).toEqual([['unmanaged', 'app:v1', 4]]);
    }
    // The name is matched as Go's regexp matches the base's image, case and all.
    for (const [name, status] of [
      ['ap+', 'stale'],
      [String.raw`\Qapp\E`, 'stale'],
      ['App', 'unmanaged'],
      ['(?i)App', 'stale'],
    ]) {
      const pattern = renaming.replace('name: app', `name: '${name}'`);
      expect([name, verdicts(base('v1') + pattern)]).toEqual([name, [[status, 'app:v1', 4]]]);
    }
  });

  it('match name as kustomize does, a pattern with a tag or digest too: such an entry deploys the managed image', () => {
    // kustomize compiles `^<name>` (then an optional tag and digest) and matches the base's image.
    for (const name of [
      'registry.example/team/.*',
      'registry[.]example/team/app',
      `${REPO}:v0`,
      'registry.example/team/ap+',
    ]) {
      const text = `kind: Kustomization\nimages:\n- name: ${name}\n  newTag: v1\n`;
      expect([name, verdicts(text)]).toEqual([name, [['stale', `${name}:v1`, 4]]]);
      const current = text.replace('v1', TAG);
      expect([name, verdicts(current)]).toEqual([name, [['ok', `${name}:${TAG}`, 4]]]);
      expect(fixText('kustomization.yaml', text, IMAGES, TAG).text).toBe(current);
    }
    // A pattern that reaches no managed repository is another image's; an invalid one matches nothing.
    for (const name of ['other.example/.*', 'registry.example/team/(app']) {
      const text = `kind: Kustomization\nimages:\n- name: ${name}\n  newTag: v1\n`;
      expect(verdicts(text).map(([status]) => status)).toEqual(['unmanaged']);
    }
  });

  it('match a name that would backtrack without end in JavaScript in linear time, as Go does', () => {
    // `(.+)+-api` against a 60-character reference takes JavaScript's engine longer than any test
    // may run (it doubles with each character); kubectl kustomize renders it at once. It reaches
    // nothing here, so the reference stays judged.
    const base = `kind: Pod\nspec:\n  containers:\n  - image: ${CURRENT}\n---\n`;
    const entry = `kind: Kustomization\nimages:\n- name: 'registry.example/team/(.+)+-api'\n  newTag: v1\n`;
    expect(verdicts(base + entry)).toEqual([
      ['ok', CURRENT, 4],
      ['unmanaged', 'registry.example/team/(.+)+-api:v1', 9],
    ]);
  });

  it("match name with Go's regexp, as kustomize does: RE2's syntax JavaScript reads otherwise, and case (kubectl kustomize 5.5)", () => {
    const entry = (name: string, tag = 'v1') => `kind: Kustomization\nimages:\n- name: '${name}'\n  newTag: ${tag}\n`;
    // Each sets the managed image's tag where kustomize renders it: `.` in a path, \Q…\E, a POSIX
    // class, a one-letter Unicode class, Python's and Go's named groups, a flag, `$*` (JavaScript
    // refuses it, Go compiles it).
    for (const name of [
      'registry.example/team/a.p',
      String.raw`\Qregistry.example/team/app\E`,
      'registry.example/team/[[:alpha:]]+',
      String.raw`registry.example/team/\pLpp`,
      '(?P<x>registry.example/team/app)',
      '(?<x>registry.example/team/app)',
      '(?i)REGISTRY.example/team/app',
      'registry.example/team/app$*',
    ]) {
      expect([name, verdicts(entry(name))]).toEqual([name, [['stale', `${name}:v1`, 4]]]);
      expect([name, fixText('kustomization.yaml', entry(name), IMAGES, TAG).text]).toEqual([name, entry(name, TAG)]);
    }
    // Case counts: an entry the base's spelling does not match sets nothing; one it matches does.
    const base = (image: string) => `kind: Pod\nspec:\n  containers:\n  - image: ${image}\n---\n`;
    const upper = 'Registry.example/team/app';
    expect(verdicts(entry(upper))).toEqual([['unmanaged', `${upper}:v1`, 4]]);
    expect(verdicts(base(CURRENT) + entry(upper))).toEqual([
      ['ok', CURRENT, 4],
      ['unmanaged', `${upper}:v1`, 9],
    ]);
    expect(verdicts(base(`${upper}:${TAG}`) + entry(upper))).toEqual([
      ['ok', `${upper}:${TAG}`, 4],
      ['stale', `${upper}:v1`, 9],
    ]);
    // A name that matches the base's tag reaches the base written with it.
    const hashTag = 'registry.example/team/app:[0-9a-z]{32}';
    expect(verdicts(base(CURRENT) + entry(hashTag))).toEqual([
      ['ok', CURRENT, 4],
      ['stale', `${hashTag}:v1`, 9],
    ]);
    // A Docker Hub image may be written with any of its hosts, with `library/` or not.
    const hub = [{ name: 'bash', repository: 'bash' }];
    for (const name of [
      'bash',
      'library/bash',
      'docker.io/bash',
      'index.docker.io/library/bash',
      'registry-1.docker.io/bash',
    ]) {
      const status = checkText('kustomization.yaml', entry(name), hub, TAG).references.map((found) => found.status);
      expect([name, status]).toEqual([name, ['stale']]);
    }
    // What Go does not compile matches nothing (kustomize 5.5 stops on it, later ones match nothing).
    for (const name of ['(?=r)registry.example/team/app', 'registry.example/team/a{1001}pp', String.raw`\Cregistry`]) {
      expect([name, verdicts(entry(name))]).toEqual([name, [['unmanaged', `${name}:v1`, 4]]]);
    }
  });

  it("let a later pattern hide an earlier entry where Go's regexp matches what it set (kubectl kustomize 5.5 renders the later)", () => {
    const entries = (later: string) =>
      `kind: Kustomization\nimages:\n- name: ${REPO}\n  newTag: v1\n- name: ${later}\n  newTag: ${TAG}\n`;
    // RE2's syntax, read as Go reads it: a POSIX class, \Q…\E, a one-letter Unicode class.
    for (const later of [
      'registry.example/team/.*',
      'registry.example/team/[[:alpha:]]+',
      '\\Qregistry.example/team/app\\E',
      'registry.example/team/\\pLpp',
    ]) {
      expect([later, verdicts(entries(later))]).toEqual([later, [['ok', `${later}:${TAG}`, 6]]]);
    }
    // A lookahead, a repeat count over Go's 1,000: Go compiles neither (kustomize 5.5 stops), so
    // they match nothing and the earlier entry stays judged.
    for (const later of [`(?=r)${REPO}`, 'registry.example/team/a{1001}pp']) {
      expect([later, verdicts(entries(later))[0]]).toEqual([later, ['stale', OLD, 4]]);
    }
  });

  it('are rewritten where a fixed entry is then set again by a later one, as kustomize renders the later', () => {
    // The first tag is one the second name does not match (`+`): both are judged, and both stale.
    const text = `kind: Kustomization\nimages:\n- name: ${REPO}\n  newTag: v1+build\n- name: ${REPO}\n  newTag: v1\n`;
    expect(verdicts(text).map(([status]) => status)).toEqual(['stale', 'stale']);
    const fixed = text.replace('v1+build', TAG).replace('v1\n', `${TAG}\n`);
    expect(fixText('kustomization.yaml', text, IMAGES, TAG).text).toBe(fixed);
    // Once fixed, the first is hidden by the second.
    expect(verdicts(fixed)).toEqual([['ok', CURRENT, 6]]);
  });

  it('ignore tagSuffix beside newTag (kustomize applies it only without newTag or digest)', () => {
    const text = kustomization(`  newTag: v1\n  tagSuffix: -debug\n`);
    expect(verdicts(text)).toEqual([['stale', OLD, 4]]);
    expect(fixText('kustomization.yaml', text, IMAGES, TAG).text).toBe(text.replace('v1', TAG));
    const current = kustomization(`  newTag: ${TAG}\n  tagSuffix: -debug\n`);
    expect(verdicts(current)).toEqual([['ok', CURRENT, 4]]);
  });
});

describe('a file the yaml library cannot read, or past a limit, in the default set', () => {
  const stale = `kind: Pod\nspec:\n  containers:\n  - image: ${REPO}:0000000000000000000000000000000a\n`;
  const skippedBy = (text: string, file = 'm.yaml') => {
    const outcome = scanManifest(file, text, false);
    if (!('skipped' in outcome)) throw new Error(`${file} was read`);
    return outcome.skipped.unparsed;
  };

  it('is skipped as unread whatever `{{` it holds: only Helm renders templates, and the manifest set leaves them out', () => {
    const continued = (quote: string) =>
      `metadata:\n  annotations:\n    s: ${quote}{{ $labels.pod }} is\n down${quote}\n`;
    for (const text of [
      continued('"'),
      continued("'"),
      'labels: {a: "{{ .x }}",\nb: c}\n',
      '{{- if .Values.x }}\nimage: x\n{{- end }}\n',
      '{% if x %}\nimage: x\n{% endif %}\n',
      `# {{ x }}\n${continued('"')}`,
    ]) {
      expect(skippedBy(`${text}image: x\n`)).toMatchObject({ limit: false, why: expect.any(String) });
    }
  });

  it('is a limit in any document: alias expansion, the parser nesting, nixtag walking', () => {
    const aliased = `list: &a [${Array(50_000).fill('v').join(', ')}]\ncopies: [${Array(25).fill('*a').join(', ')}]\n`;
    const parserDeep = `x: ${'['.repeat(900)}${']'.repeat(900)}\n`;
    const walkDeep = `x: ${'['.repeat(300)}${']'.repeat(300)}\n`;
    for (const limited of [aliased, parserDeep, walkDeep]) {
      for (const text of [`${stale}---\n${limited}`, `${limited}---\n${stale}`]) {
        expect(skippedBy(text)).toMatchObject({ limit: true, nixHashLine: expect.any(Number) });
      }
    }
    expect(skippedBy(`${stale}---\n${aliased}`)?.why).toMatch(/1,000,000 nodes/);
    expect(skippedBy(`${stale}---\n${parserDeep}`)?.why).toMatch(/nests too deeply/);
  });

  it('tells where it holds a Nix-hash tag (what is managed without configuration), and only such a tag', () => {
    const broken = 'a: [\n';
    expect(skippedBy(`${broken}${stale}`)?.nixHashLine).toBe(5);
    expect(
      skippedBy(`${broken}image: ${REPO}:v1\nmd5: 0000000000000000000000000000000a\n`)?.nixHashLine,
    ).toBeUndefined();
    expect(skippedBy(`${broken}image: ${REPO}:0000000000000000000000000000000a0\n`)?.nixHashLine).toBeUndefined();
  });

  it('reads every kustomization, one with no word a reference shape looks for too', () => {
    expect(skippedBy('resources: [\n- a.yaml\n', 'k/kustomization.yaml')).toMatchObject({ limit: false });
    expect(skippedBy('resources: [\n- a.yaml\n', 'k/Kustomization')).toMatchObject({ limit: false });
    expect(scanManifest('k/other.yaml', 'resources: [\n- a.yaml\n', false)).toHaveProperty('scanned');
  });
});
