/**
 * From an adversarial review of the scan memory (state/scans.ts): each test is a layout or a
 * sequence where a remembered scan answered differently from a fresh scan (`--no-cache`), lost
 * or corrupted data, or left files behind. A scan is remembered by path and blob id, but what
 * nixtag reads is the file on disk: git's conversions (attributes, filters) and the index's own
 * flags (skip-worktree, assume-unchanged) let the file on disk differ from the blob it is
 * recalled under. The other cases run in-process: test/integration/scan-memory-adversarial.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { nixtagCli, type CliResult } from '../helpers/cli.js';
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
function expectSameAsFresh(repo: TestRepo, args: string[]): void {
  const cached = nixtagCli(repo.dir, [...args, '--json']);
  const fresh = nixtagCli(repo.dir, [...args, '--json', '--no-cache']);
  expect(verdict(cached), `cached:\n${show(cached)}\nfresh:\n${show(fresh)}`).toEqual(verdict(fresh));
}

/** default.nix and a manifest with the current tag, committed: every later stale reference is the test's. */
function currentRepo(): TestRepo {
  const repo = gitRepo({ 'default.nix': plainImage, 'ok.yaml': deployment(`${REF}:${STALE}`) });
  const fixed = nixtagCli(repo.dir, ['fix']);
  expect(fixed.code, show(fixed)).toBe(0);
  repo.commit('current tags');
  return repo;
}

describe('review: the file read is not the blob its scan is remembered under', () => {
  it('check --staged: an `ident` attribute added beside an unchanged manifest changes what CI reads', () => {
    const repo = currentRepo();
    // Not YAML as committed (line 2 is a key without a value); git's `ident` expands `$Id$` to
    // `$Id: <blob id> $` on checkout, and CI's clone reads YAML with a stale reference.
    const lines = deployment(`${REF}:${STALE}`).split('\n');
    repo.write({ 'weird.yaml': [lines[0], '$Id$', ...lines.slice(1)].join('\n') });
    repo.commit('weird');
    const before = nixtagCli(repo.dir, ['check', '--staged']);
    // Skipped as not YAML (remembered so), and refused as it names the image (issue 20).
    expect(before.code, show(before)).toBe(2);
    expect(before.stderr).toContain('[YAML_INVALID]');
    repo.write({ '.gitattributes': 'weird.yaml ident\n' });
    repo.git('add', '.gitattributes');
    const fresh = nixtagCli(repo.dir, ['check', '--staged', '--no-cache']);
    expect(fresh.code, show(fresh)).toBe(1);
    expect(fresh.stdout).toContain('weird.yaml:11:18: stale reference to app');
    // The remembered scan of the blob passes the commit that CI refuses.
    expectSameAsFresh(repo, ['check', '--staged']);
  });
});

describe('review (not the memory, found beside it): fix --staged under eol attributes', () => {
  it('keeps the staged blob normalized: `eol=crlf` does not put CRLF into the index', () => {
    const repo = gitRepo({
      'default.nix': plainImage,
      '.gitattributes': '*.yaml text eol=crlf\n',
      'k8s/app.yaml': deployment(`${REF}:${STALE}`),
    });
    expect(repo.git('cat-file', '-p', 'HEAD:k8s/app.yaml')).not.toContain('\r');
    const fix = nixtagCli(repo.dir, ['fix', '--staged']);
    expect(fix.code, show(fix)).toBe(0);
    // The checkout nixtag parsed holds CRLF; the index must keep git's LF form, or the commit
    // rewrites every line of the manifest.
    expect(repo.git('cat-file', '-p', ':k8s/app.yaml')).not.toContain('\r');
    expect(repo.git('diff', '--cached', '--numstat').trim()).toMatch(/^1\t1\tk8s\/app\.yaml$/);
  });
});
