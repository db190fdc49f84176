/**
 * From an adversarial review of the scan memory (state/scans.ts): each test is a layout or a
 * sequence where a remembered scan answered differently from a fresh scan (`--no-cache`), lost
 * or corrupted data, or left files behind. A scan is remembered by path and blob id, but what
 * nixtag reads is the file on disk: git's conversions (attributes, filters) and the index's own
 * flags (skip-worktree, assume-unchanged) let the file on disk differ from the blob it is
 * recalled under. In-process (test/helpers/inProcess.ts); two more run through the built CLI in
 * test/e2e/scan-memory-adversarial.test.ts.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliResult } from '../helpers/cli.js';
import { nixtag } from '../helpers/inProcess.js';
import { deployment, plainImage, STALE } from '../helpers/expressions.js';
import { gitRepo, type TestRepo } from '../helpers/repo.js';

const REF = 'registry.example/app';

const show = (result: CliResult) => result.stdout + result.stderr;

/** The verdict and the references of a `--json` run: what must not depend on the memory. */
function verdict(result: CliResult): { code: number; references: unknown } {
  let references: unknown;
  try {
    references = (JSON.parse(result.stdout) as { references: unknown }).references;
  } catch {
    references = show(result);
  }
  return { code: result.code, references };
}

/** Runs `args` with the memory and then without it: both answers must be the same. */
async function expectSameAsFresh(repo: TestRepo, args: string[]): Promise<void> {
  const cached = await nixtag(repo.dir, [...args, '--json']);
  const fresh = await nixtag(repo.dir, [...args, '--json', '--no-cache']);
  expect(verdict(cached), `cached:\n${show(cached)}\nfresh:\n${show(fresh)}`).toEqual(verdict(fresh));
}

/** default.nix and a manifest with the current tag, committed: every later stale reference is the test's. */
async function currentRepo(): Promise<TestRepo> {
  const repo = gitRepo({ 'default.nix': plainImage, 'ok.yaml': deployment(`${REF}:${STALE}`) });
  const fixed = await nixtag(repo.dir, ['fix']);
  expect(fixed.code, show(fixed)).toBe(0);
  repo.commit('current tags');
  return repo;
}

describe('review: the file read is not the blob its scan is remembered under', () => {
  it('check: a clean/smudge filter (git-crypt, transcrypt, LFS) unlocked after a run on the locked files', async () => {
    const repo = await currentRepo();
    const crypt = path.join(repo.dir, '.git', 'crypt.sh');
    const key = path.join(repo.dir, '.git', 'crypt-key');
    // A stand-in for git-crypt: clean encrypts unless the content is encrypted already (so the
    // locked working tree hashes to the blob), smudge decrypts when the key is there.
    writeFileSync(
      crypt,
      `tmp=$(mktemp); cat > "$tmp"
if [ "$(head -n1 "$tmp")" = ENC ]; then enc=1; else enc=0; fi
case "$1" in
  clean) if [ $enc = 1 ]; then cat "$tmp"; else echo ENC; tr 'A-Za-z' 'N-ZA-Mn-za-m' < "$tmp"; fi ;;
  smudge) if [ $enc = 1 ] && [ -f "${key}" ]; then tail -n +2 "$tmp" | tr 'A-Za-z' 'N-ZA-Mn-za-m'; else cat "$tmp"; fi ;;
esac
rm -f "$tmp"
`,
    );
    repo.git('config', 'filter.crypt.clean', `sh ${crypt} clean`);
    repo.git('config', 'filter.crypt.smudge', `sh ${crypt} smudge`);
    writeFileSync(key, 'key');
    repo.write({ '.gitattributes': 'secret/** filter=crypt\n', 'secret/values.yaml': deployment(`${REF}:${STALE}`) });
    repo.commit('encrypted values');
    expect(repo.git('cat-file', '-p', 'HEAD:secret/values.yaml')).toMatch(/^ENC\n/);
    const checkOut = () => {
      rmSync(path.join(repo.dir, 'secret/values.yaml'));
      repo.git('checkout', '--', 'secret/values.yaml');
    };

    // A clone without the key: the working tree holds the ciphertext, the blob itself.
    rmSync(key);
    checkOut();
    expect(repo.read('secret/values.yaml')).toMatch(/^ENC\n/);
    expect((await nixtag(repo.dir, ['check'])).code).toBe(0);

    // Unlocked: the plaintext hashes (through the clean filter) to the same blob.
    writeFileSync(key, 'key');
    checkOut();
    expect(repo.read('secret/values.yaml')).toBe(deployment(`${REF}:${STALE}`));
    const fresh = await nixtag(repo.dir, ['check', '--no-cache']);
    expect(fresh.code, show(fresh)).toBe(1);
    await expectSameAsFresh(repo, ['check']);
  });

  it('check and fix: a sparse checkout (skip-worktree) leaves out a manifest scanned before', async () => {
    const repo = gitRepo({
      'default.nix': plainImage,
      'apps/a/deploy.yaml': deployment(`${REF}:${STALE}`),
      'apps/b/deploy.yaml': deployment(`${REF}:${STALE}`),
    });
    expect((await nixtag(repo.dir, ['check'])).code).toBe(1);
    repo.git('sparse-checkout', 'set', '--cone', 'apps/a');
    expect(readdirSync(path.join(repo.dir, 'apps'))).toEqual(['a']);
    // The remembered scan judges apps/b, which is not on disk.
    await expectSameAsFresh(repo, ['check']);
    // fix cannot write apps/b, which the work tree does not have (its stale tag is read from the
    // judged tree): it refuses with the command that brings it in, and writes nothing.
    const fix = await nixtag(repo.dir, ['fix']);
    expect(fix.stderr).not.toContain('MANIFEST_UNREADABLE');
    expect(fix.code, show(fix)).toBe(2);
    expect(fix.stderr).toContain('error [NOT_CHECKED_OUT]: apps/b/deploy.yaml is outside this sparse checkout');
    expect(repo.read('apps/a/deploy.yaml')).toBe(deployment(`${REF}:${STALE}`));
  });

  it('check: an edit to a manifest marked assume-unchanged', async () => {
    const repo = await currentRepo();
    expect((await nixtag(repo.dir, ['check'])).code).toBe(0);
    repo.git('update-index', '--assume-unchanged', 'ok.yaml');
    repo.write({ 'ok.yaml': deployment(`${REF}:${STALE}`) });
    const fresh = await nixtag(repo.dir, ['check', '--no-cache']);
    expect(fresh.code, show(fresh)).toBe(1);
    await expectSameAsFresh(repo, ['check']);
  });
});

describe('review: the memory file itself', () => {
  it('a manifest path that is an Object.prototype property (`constructor`) does not crash the run', async () => {
    const repo = gitRepo({
      'default.nix': plainImage,
      '.nixtagrc.yaml': `images:\n  - name: app\n    repository: ${REF}\n    manifests: ["constructor", "k8s/*.yaml"]\n`,
      constructor: deployment(`${REF}:${STALE}`),
      'k8s/app.yaml': deployment(`${REF}:${STALE}`),
    });
    const fresh = await nixtag(repo.dir, ['check', '--no-cache']);
    expect(fresh.code, show(fresh)).toBe(1);
    const cached = await nixtag(repo.dir, ['check']);
    expect(cached.stderr).not.toContain('internal error');
    await expectSameAsFresh(repo, ['check']);
  });

  it('a directory where the scans file belongs leaves no temporary file per run in .git/nixtag/cache', async () => {
    const repo = gitRepo({ 'default.nix': plainImage, 'k8s/app.yaml': deployment(`${REF}:${STALE}`) });
    expect((await nixtag(repo.dir, ['check'])).code).toBe(1);
    const cache = path.join(repo.dir, '.git/nixtag/cache');
    rmSync(path.join(cache, 'scans-worktree.json'), { force: true });
    mkdirSync(path.join(cache, 'scans-worktree.json'));
    for (let run = 0; run < 3; run++) expect((await nixtag(repo.dir, ['check'])).code).toBe(1);
    expect(readdirSync(cache).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});
