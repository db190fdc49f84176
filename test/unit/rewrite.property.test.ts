import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { decodeManifest, encodeManifest, type ManifestEncoding } from '../../src/manifest/decode.js';
import { checkText, fixText } from '../helpers/manifests.js';

const MANAGED = 'registry.example:5000/team/app';
const OTHERS = ['nginx', 'docker.io/library/redis', 'ghcr.io/acme/worker', 'registry.example:5000/team/app-other'];
const NEW_TAG = 'bhvhf4ndzxgqnlwzv5s272i5xs2qs6v0';
const NIX32 = '0123456789abcdfghijklmnpqrsvwxyz';

const nixHash = fc.string({ unit: fc.constantFrom(...NIX32), minLength: 32, maxLength: 32 });
const semver = fc.tuple(fc.nat(20), fc.nat(20), fc.nat(20)).map(([a, b, c]) => `v${a}.${b}.${c}`);
const digest = fc
  .string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 })
  .map((hex) => `sha256:${hex}`);

const reference = fc.record({
  managed: fc.boolean(),
  other: fc.constantFrom(...OTHERS),
  tag: fc.oneof(nixHash, semver, fc.constant(NEW_TAG)),
  digest: fc.option(digest, { nil: undefined }),
  style: fc.constantFrom('plain', 'single', 'double', 'flow', 'literal', 'helm', 'sibling', 'argo', 'merged'),
  /** For `sibling`: the repository key and the key that holds its tag. */
  keys: fc.constantFrom(['image', 'imageTag'], ['image', 'tag'], ['repository', 'tag'], ['image', 'version']),
  comment: fc.option(fc.constantFrom('# pinned', '#x', '# {"note": 1}'), { nil: undefined }),
  blankBefore: fc.boolean(),
  /** The key written as an alias of a scalar `image` anchored elsewhere (`*ik : …`). */
  aliasKey: fc.boolean(),
  /** The key written with an escape (`"im\x61ge":`), which every reader reads as `image`. */
  escapedKey: fc.boolean(),
  /**
   * An earlier `image:` in the same map that the reference's key shadows (readers take the last);
   * for `merged`, one that the later `<<` gives another value (go-yaml v2 and yq disagree).
   */
  shadows: fc.boolean(),
});
type Reference = typeof reference extends fc.Arbitrary<infer T> ? T : never;

const documentSet = fc.record({
  documents: fc.array(
    fc.record({
      references: fc.array(reference, { minLength: 1, maxLength: 5 }),
      /** With an `apiVersion` the document is a Kubernetes object: a shadowed key there is refused. */
      object: fc.boolean(),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  crlf: fc.boolean(),
  bom: fc.boolean(),
  finalNewline: fc.boolean(),
  encoding: fc.constantFrom<ManifestEncoding>('utf-8', 'utf-16le', 'utf-16be', 'utf-32le', 'utf-32be'),
});

/** What a shadowed key holds: a managed reference with a stale tag, which no reader sees. */
const SHADOWED = `${MANAGED}:shadowed`;

interface Generated {
  text: string;
  /**
   * A Kubernetes object holds a duplicated key on the way to a reference, or any document a key
   * that a later `<<` merges over: readers disagree.
   */
  refused: boolean;
  /**
   * Where each value starts, what it reads, what it must read after fix; `inside`: the value is
   * only part of a YAML string (a tag in its own key, a line of a block string of YAML).
   */
  values: Array<{ offset: number; before: string; after: string; inside?: boolean }>;
}

/** Renders YAML and records the offset of every reference value in the final bytes. */
function render(input: typeof documentSet extends fc.Arbitrary<infer T> ? T : never): Generated {
  const nl = input.crlf ? '\r\n' : '\n';
  let text = input.bom ? '\uFEFF' : '';
  const values: Generated['values'] = [];
  let refused = false;
  const value = (ref: Reference) => {
    const before = `${ref.managed ? MANAGED : ref.other}:${ref.tag}${ref.digest ? `@${ref.digest}` : ''}`;
    // A digest beside a current tag is what runtimes pull, and no evaluation checks it: stale too.
    const stale = ref.managed && (ref.tag !== NEW_TAG || ref.digest !== undefined);
    return { before, after: stale ? `${MANAGED}:${NEW_TAG}` : before };
  };
  const emit = (prefix: string, ref: Reference, suffix: string, inside = false) => {
    const { before, after } = value(ref);
    text += prefix;
    values.push({ offset: text.length, before, after, inside });
    text += before + suffix;
  };
  // A tag in its own key, beside a tagless repository: `tag@digest` becomes the new tag.
  const emitTag = (prefix: string, ref: Reference, suffix: string) => {
    const before = `${ref.tag}${ref.digest ? `@${ref.digest}` : ''}`;
    const stale = ref.managed && (ref.tag !== NEW_TAG || ref.digest !== undefined);
    text += prefix;
    values.push({ offset: text.length, before, after: stale ? NEW_TAG : before, inside: true });
    text += before + suffix;
  };
  input.documents.forEach(({ references: refs, object }, docIndex) => {
    if (docIndex > 0 || input.documents.length > 1) text += `---${nl}`;
    if (object) text += `apiVersion: v1${nl}`;
    text += `kind: Pod${nl}keys: [&ik image]${nl}metadata:${nl}  name: pod-${docIndex}${nl}`;
    // A merged reference's map, anchored before the containers merge it (`<<: *m0`).
    refs.forEach((ref, index) => {
      if (ref.style === 'merged') emit(`m${index}: &m${index}${nl}  image: `, ref, nl);
    });
    text += `spec:${nl}  containers:${nl}`;
    // Block styles may write their key as an alias or with an escape, and may follow a key they shadow.
    const key = (ref: Reference, indent: string) => {
      const shadowed = ref.shadows ? `image: ${SHADOWED}${nl}${indent}` : '';
      if (ref.shadows && object) refused = true;
      return `${shadowed}${ref.aliasKey ? '*ik :' : ref.escapedKey ? '"im\\x61ge":' : 'image:'}`;
    };
    const helm: Reference[] = [];
    const siblings: Reference[] = [];
    const argo: Reference[] = [];
    refs.forEach((ref, index) => {
      if (ref.blankBefore) text += nl;
      const comment = ref.comment ? ` ${ref.comment}` : '';
      switch (ref.style) {
        case 'plain':
          emit(`    - name: c${index}${nl}      ${key(ref, '      ')} `, ref, `${comment}${nl}`);
          break;
        case 'single':
          emit(`    - name: c${index}${nl}      ${key(ref, '      ')} '`, ref, `'${comment}${nl}`);
          break;
        case 'double':
          emit(`    - name: c${index}${nl}      ${key(ref, '      ')} "`, ref, `"${comment}${nl}`);
          break;
        case 'flow':
          emit(`    - {name: c${index}, image: "`, ref, `"}${comment}${nl}`);
          break;
        case 'literal':
          emit(`    - name: c${index}${comment}${nl}      ${key(ref, '      ')} |-${nl}        `, ref, nl);
          break;
        case 'merged':
          if (ref.shadows) refused = true;
          text += `    - name: c${index}${nl}${ref.shadows ? `      image: ${SHADOWED}${nl}` : ''}      <<: *m${index}${nl}`;
          break;
        case 'helm':
          helm.push(ref);
          break;
        case 'sibling':
          siblings.push(ref);
          break;
        case 'argo':
          argo.push(ref);
          break;
      }
    });
    if (text.endsWith(`containers:${nl}`)) text += `    - name: placeholder${nl}      image: busybox${nl}`;
    helm.forEach((ref, index) =>
      emit(`values${index}:${nl}  ${key(ref, '  ')} `, ref, `${ref.comment ? ` ${ref.comment}` : ''}${nl}`),
    );
    siblings.forEach((ref, index) => {
      const [repositoryKey, tagKey] = ref.keys;
      text += `sibling${index}:${nl}  ${repositoryKey}: "${ref.managed ? MANAGED : ref.other}"${nl}`;
      emitTag(`  ${tagKey}: "`, ref, `"${ref.comment ? ` ${ref.comment}` : ''}${nl}`);
    });
    if (argo.length > 0) {
      // An Argo CD Application whose Helm values are a block string of YAML, rewritten inside.
      text += `---${nl}apiVersion: argoproj.io/v1alpha1${nl}kind: Application${nl}spec:${nl}  source:${nl}    helm:${nl}      values: |${nl}`;
      argo.forEach((ref, index) => {
        if (ref.blankBefore) text += nl;
        emit(`        block${index}:${nl}          image: `, ref, `${ref.comment ? ` ${ref.comment}` : ''}${nl}`, true);
      });
    }
  });
  if (!input.finalNewline) text = text.slice(0, -nl.length);
  return { text, refused, values };
}

function withReplacements(text: string, values: Generated['values']): string {
  let result = text;
  for (const { offset, before, after } of [...values].sort((a, b) => b.offset - a.offset)) {
    expect(result.slice(offset, offset + before.length)).toBe(before);
    result = result.slice(0, offset) + after + result.slice(offset + before.length);
  }
  return result;
}

function data(text: string): unknown[] {
  return parseAllDocuments(text).map((doc) => (doc as unknown as { toJS(): unknown }).toJS());
}

function replaceStrings(value: unknown, replacements: Map<string, string>): unknown {
  if (typeof value === 'string') return replacements.get(value) ?? value;
  if (Array.isArray(value)) return value.map((item) => replaceStrings(item, replacements));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replaceStrings(item, replacements)]));
  }
  return value;
}

describe('fix on generated manifests', () => {
  it('changes exactly the stale tag spans, and the data only in those tags', () => {
    fc.assert(
      fc.property(documentSet, (input) => {
        const { text, refused, values } = render(input);
        const images = [{ name: 'app', repository: MANAGED }];
        // The file's bytes in its encoding, read back as YAML 1.2 detects it.
        const bytes = encodeManifest(text, input.encoding);
        expect(decodeManifest(bytes)).toEqual({ text, encoding: input.encoding });
        if (refused) {
          // A Kubernetes object with a shadowed key: readers disagree, so neither verdict nor fix.
          for (const run of [
            () => checkText('generated.yaml', text, images, NEW_TAG),
            () => fixText('generated.yaml', text, images, NEW_TAG),
          ])
            expect(run).toThrow(expect.objectContaining({ code: 'DUPLICATE_KEY', kind: 'input' }));
          return;
        }
        // The worst bug: check says stale exactly where a reader sees a stale managed reference.
        const stale = checkText('generated.yaml', text, images, NEW_TAG).references.filter(
          (entry) => entry.status === 'stale',
        );
        expect(stale).toHaveLength(values.filter((entry) => entry.before !== entry.after).length);
        const fixed = fixText('generated.yaml', text, images, NEW_TAG);
        // Bytes: the input with each stale `:tag[@digest]` replaced, everything else identical,
        // in the file's own encoding (a shadowed key is read by nobody, so left alone).
        expect(fixed.text).toBe(withReplacements(text, values));
        expect(Buffer.from(encodeManifest(fixed.text, input.encoding))).toEqual(
          Buffer.from(encodeManifest(withReplacements(text, values), input.encoding)),
        );
        // Data: what the input said, with only the stale references changed.
        const replacements = new Map(
          values
            .filter((entry) => entry.before !== entry.after && !entry.inside)
            .map((entry) => [entry.before, entry.after]),
        );
        // Values that are part of a string change that string: the byte check above covers them.
        const inside = values.some((entry) => entry.inside && entry.before !== entry.after);
        if (!inside) expect(data(fixed.text)).toEqual(replaceStrings(data(text), replacements));
        // Every managed reference is now current.
        const again = fixText('generated.yaml', fixed.text, [{ name: 'app', repository: MANAGED }], NEW_TAG);
        expect(again.references.some((entry) => entry.status === 'stale')).toBe(false);
      }),
      { numRuns: 300 },
    );
  }, 120_000);
});
