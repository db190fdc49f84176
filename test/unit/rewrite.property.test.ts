import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { fixText } from '../helpers/manifests.js';

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
  style: fc.constantFrom('plain', 'single', 'double', 'flow', 'literal', 'helm', 'sibling', 'argo'),
  /** For `sibling`: the repository key and the key that holds its tag. */
  keys: fc.constantFrom(['image', 'imageTag'], ['image', 'tag'], ['repository', 'tag'], ['image', 'version']),
  comment: fc.option(fc.constantFrom('# pinned', '#x', '# {"note": 1}'), { nil: undefined }),
  blankBefore: fc.boolean(),
});
type Reference = typeof reference extends fc.Arbitrary<infer T> ? T : never;

const documentSet = fc.record({
  documents: fc.array(fc.array(reference, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 3 }),
  crlf: fc.boolean(),
  bom: fc.boolean(),
  finalNewline: fc.boolean(),
});

interface Generated {
  text: string;
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
  const value = (ref: Reference) => {
    const before = `${ref.managed ? MANAGED : ref.other}:${ref.tag}${ref.digest ? `@${ref.digest}` : ''}`;
    const stale = ref.managed && ref.tag !== NEW_TAG;
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
    const stale = ref.managed && ref.tag !== NEW_TAG;
    text += prefix;
    values.push({ offset: text.length, before, after: stale ? NEW_TAG : before, inside: true });
    text += before + suffix;
  };
  input.documents.forEach((refs, docIndex) => {
    if (docIndex > 0 || input.documents.length > 1) text += `---${nl}`;
    text += `kind: Pod${nl}metadata:${nl}  name: pod-${docIndex}${nl}spec:${nl}  containers:${nl}`;
    const helm: Reference[] = [];
    const siblings: Reference[] = [];
    const argo: Reference[] = [];
    refs.forEach((ref, index) => {
      if (ref.blankBefore) text += nl;
      const comment = ref.comment ? ` ${ref.comment}` : '';
      switch (ref.style) {
        case 'plain':
          emit(`    - name: c${index}${nl}      image: `, ref, `${comment}${nl}`);
          break;
        case 'single':
          emit(`    - name: c${index}${nl}      image: '`, ref, `'${comment}${nl}`);
          break;
        case 'double':
          emit(`    - name: c${index}${nl}      image: "`, ref, `"${comment}${nl}`);
          break;
        case 'flow':
          emit(`    - {name: c${index}, image: "`, ref, `"}${comment}${nl}`);
          break;
        case 'literal':
          emit(`    - name: c${index}${comment}${nl}      image: |-${nl}        `, ref, nl);
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
      emit(`values${index}:${nl}  image: `, ref, `${ref.comment ? ` ${ref.comment}` : ''}${nl}`),
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
  return { text, values };
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
        const { text, values } = render(input);
        const fixed = fixText('generated.yaml', text, [{ name: 'app', repository: MANAGED }], NEW_TAG);
        // Bytes: the input with each stale `:tag[@digest]` replaced, everything else identical.
        expect(fixed.text).toBe(withReplacements(text, values));
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
  });
});
