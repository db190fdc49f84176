import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NixtagError } from '../../src/errors.js';
import { readDocumentation, ROOT } from '../helpers/docs.js';

/** Every ErrorCode, as src/errors.ts declares it. */
function errorCodes(): string[] {
  const text = readFileSync(path.join(ROOT, 'src/errors.ts'), 'utf8');
  const union = /export type ErrorCode =([^;]*);/.exec(text)![1]!;
  return [...union.matchAll(/'([A-Z_]+)'/g)].map((match) => match[1]!);
}

/** Every TypeScript file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return sources(file);
    return name.endsWith('.ts') ? [file] : [];
  });
}

/** The codes the code emits: a quoted code anywhere but its declaration (a NixtagError, a `code:` field). */
function emittedCodes(dir: string, known: readonly string[]): Set<string> {
  const emitted = new Set<string>();
  for (const file of sources(path.join(ROOT, dir))) {
    if (file.endsWith(path.join('src', 'errors.ts'))) continue;
    for (const [, code] of readFileSync(file, 'utf8').matchAll(/'([A-Z][A-Z_]+)'/g)) {
      if (known.includes(code!)) emitted.add(code!);
    }
  }
  return emitted;
}

/** The first column's codes and the second column of the table after `<!-- marker -->` in a page. */
function table(page: string, marker: string): Map<string, string> {
  const text = readDocumentation(page);
  const start = text.indexOf(`<!-- ${marker} -->`);
  expect(start, `${page} has <!-- ${marker} -->`).toBeGreaterThanOrEqual(0);
  const rows = new Map<string, string>();
  for (const line of text.slice(start).split('\n').slice(2)) {
    if (!line.startsWith('|')) break;
    const [, code, second] = line.split('|').map((cell) => cell.trim());
    const name = /^`([A-Z_]+)`$/.exec(code ?? '')?.[1];
    if (name !== undefined) rows.set(name, second ?? '');
  }
  return rows;
}

describe('the error codes in the documentation', () => {
  const codes = errorCodes();

  it('docs/exit-codes.md lists every code the code emits, each with its exit status', () => {
    const emitted = emittedCodes('src', codes);
    expect(emitted.size).toBeGreaterThan(40);
    const listed = table('docs/exit-codes.md', 'error-codes');
    expect([...listed.keys()].sort()).toEqual([...codes].sort());
    for (const code of emitted) expect(listed.has(code), code).toBe(true);
    for (const [code, exit] of listed) {
      const kind = new NixtagError(code as never, '').kind;
      expect([code, exit]).toEqual([code, { verdict: '1', input: '2', tool: '3' }[kind]]);
    }
  });

  it('docs/managed-shapes.md lists every code the manifests and kustomizations are refused with', () => {
    const listed = table('docs/managed-shapes.md', 'manifest-error-codes');
    const manifestCodes = [
      ...emittedCodes('src/manifest', codes),
      'YAML_INVALID',
      'YAML_LIMIT',
      'KUSTOMIZE_PATCH',
      'TAG_SUBSTITUTED',
      'IN_SUBMODULE',
      'SUBMODULE_UNREAD',
      'SUBMODULE_UNCLONABLE',
      'REWRITE_UNSAFE',
    ];
    for (const code of manifestCodes) expect(listed.has(code), code).toBe(true);
    for (const code of listed.keys()) expect(codes, code).toContain(code);
  });

  it('says a digest beside a current tag is stale', () => {
    for (const page of ['docs/exit-codes.md', 'docs/managed-shapes.md']) {
      expect(readDocumentation(page).replace(/\s+/g, ' '), page).toMatch(
        /A current tag with a (`@sha256:` )?digest beside it is (stale|not up to date|not an error but a stale reference)/,
      );
    }
  });
});
