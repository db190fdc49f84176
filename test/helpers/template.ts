import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { copyRepo, gitRepo, type Files, type TestRepo } from './repo.js';

/**
 * Steps every case of a test file takes first, and the same way (the README's first steps, each
 * an npm install): taken once, in a template repository made of `files`, by the first case that
 * asks; every case then starts from its own copy. A failure there fails every case that asks.
 * Call it at the top level of the file.
 */
export function preparedOnce(files: Files, prepare: (repo: TestRepo) => Promise<void>): () => Promise<TestRepo> {
  const parent = mkdtempSync(path.join(tmpdir(), 'nixtag-template-'));
  afterAll(() => rmSync(parent, { recursive: true, force: true }));
  let template: Promise<TestRepo> | undefined;
  return async () => {
    template ??= (async () => {
      const repo = gitRepo(files, 'app', parent);
      await prepare(repo);
      return repo;
    })();
    return copyRepo(await template);
  };
}
