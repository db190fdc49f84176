import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NixtagError } from '../../src/errors.js';
import { openRepository } from '../../src/git/repository.js';
import { stageAll, type StagedChange } from '../../src/tree/stage.js';
import { gitRepo, tempDir, type TestRepo } from '../helpers/repo.js';

/** The git the shim hands over to. */
const GIT = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();

/**
 * git first on PATH, failing `update-index` on the calls `failing` lists (0-based, counted in
 * `dir`): the index refusing a write part way through fix's staging.
 */
function failingUpdateIndex(failing: readonly number[]): void {
  const dir = tempDir();
  const counter = path.join(dir, 'count');
  writeFileSync(
    path.join(dir, 'git'),
    [
      '#!/bin/sh',
      'if [ "$1" = update-index ]; then',
      `  n=$(cat '${counter}' 2>/dev/null || echo 0); echo $((n + 1)) > '${counter}'`,
      `  case " ${failing.join(' ')} " in *" $n "*) echo 'fatal: Unable to write new index file' >&2; exit 128;; esac`,
      'fi',
      `exec '${GIT}' "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(path.join(dir, 'git'), 0o755);
  vi.stubEnv('PATH', `${dir}${path.delimiter}${process.env.PATH ?? ''}`);
}

afterEach(() => {
  vi.unstubAllEnvs();
});

const staged = (repo: TestRepo, file: string) => repo.git('rev-parse', `:${file}`).trim();

/** Two staged manifests and, for each, the blob of its fixed text (as fix writes it before staging). */
function twoChanges(): { repo: TestRepo; changes: StagedChange[] } {
  const repo = gitRepo({ 'a.yaml': 'image: app:old\n', 'b.yaml': 'image: app:old\n' });
  repo.write({ 'a.yaml': 'image: app:new\n', 'b.yaml': 'image: app:new\n' });
  const changes = ['a.yaml', 'b.yaml'].map((file) => ({
    file,
    mode: '100644',
    blob: repo.git('hash-object', '-w', file).trim(),
    previous: staged(repo, file),
  }));
  return { repo, changes };
}

describe('stageAll', () => {
  it('points every file at its new blob', async () => {
    const { repo, changes } = twoChanges();
    await stageAll(await openRepository(repo.dir), changes);
    expect(changes.map((change) => staged(repo, change.file))).toEqual(changes.map((change) => change.blob));
  });

  it('puts the files already staged back when a later one fails, and throws that failure', async () => {
    const { repo, changes } = twoChanges();
    const repository = await openRepository(repo.dir);
    failingUpdateIndex([1]);
    const error = await stageAll(repository, changes).catch((thrown: unknown) => thrown);
    expect((error as NixtagError).code).toBe('GIT_FAILED');
    expect(changes.map((change) => staged(repo, change.file))).toEqual(changes.map((change) => change.previous));
  });

  it('names a file it could not put back, with the command that does', async () => {
    const { repo, changes } = twoChanges();
    const repository = await openRepository(repo.dir);
    failingUpdateIndex([1, 2]);
    const error = (await stageAll(repository, changes).catch((thrown: unknown) => thrown)) as NixtagError;
    expect(error).toBeInstanceOf(NixtagError);
    expect(error.code).toBe('WRITE_FAILED');
    expect(error.message).toContain('a.yaml');
    expect(error.message).not.toContain('b.yaml');
    expect((error.cause as NixtagError).code).toBe('GIT_FAILED');
    // The index holds a's fix, as the error says; the hint's command puts back what was staged.
    expect(staged(repo, 'a.yaml')).toBe(changes[0]!.blob);
    const command = /`git (update-index [^`]+)`/.exec(error.hint ?? '')?.[1];
    expect(command).toBe(`update-index --cacheinfo 100644,${changes[0]!.previous},a.yaml`);
    vi.unstubAllEnvs();
    repo.git(...command!.split(' '));
    expect(staged(repo, 'a.yaml')).toBe(changes[0]!.previous);
  });
});
