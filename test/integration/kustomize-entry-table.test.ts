import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { nixtag } from '../helpers/inProcess.js';
import { deployment, plainImage, STALE } from '../helpers/expressions.js';
import { gitRepo } from '../helpers/repo.js';

// Sequences of kustomize `images:` entries over one base, each judged against the oracle: what
// `kubectl kustomize overlay` renders. A render of `<repository>:<right tag>` is up to date
// (check must pass); anything else is stale (check must not pass: exit 1, or 2 where nixtag
// cannot know). The base is rendered too: it is a kustomization CI may deploy on its own, and
// nixtag judges its references as written. A digest beside the right tag is stale too (docs/managed-shapes.md).
const REPO = 'registry.example.com/team/app';
const CONFIG = `images:\n  - name: app\n    nix: default.nix\n    repository: ${REPO}\n`;
const DIGEST = `sha256:${'a'.repeat(64)}`;
const T = '@T@'; // the right tag, filled in once it is known

interface Case {
  what: string;
  /** The base's image. */
  base: string;
  /** The overlay's `images:` entries. */
  overlay: string;
  /** The base kustomization's `images:` entries, if any. */
  inBase?: string;
  /** nixtag's verdict where the oracle's is known to be out of its reach (2: refused). */
  refused?: boolean;
}

const entry = (fields: Record<string, string>) =>
  `- ${Object.entries(fields)
    .map(([key, value]) => `${key}: "${value}"`)
    .join('\n  ')}\n`;
const PATTERN = 'registry.example.com/team/.*';

const CASES: Case[] = [
  { what: 'a literal name with the right tag', base: `${REPO}:${T}`, overlay: entry({ name: REPO, newTag: T }) },
  { what: 'a literal name with a stale tag', base: `${REPO}:${T}`, overlay: entry({ name: REPO, newTag: STALE }) },
  {
    what: 'the same name twice, stale then right',
    base: `${REPO}:${T}`,
    overlay: entry({ name: REPO, newTag: STALE }) + entry({ name: REPO, newTag: T }),
  },
  {
    what: 'the same name twice, right then stale',
    base: `${REPO}:${T}`,
    overlay: entry({ name: REPO, newTag: T }) + entry({ name: REPO, newTag: STALE }),
  },
  {
    what: 'newName with the right tag',
    base: `app:${STALE}`,
    overlay: entry({ name: 'app', newName: REPO, newTag: T }),
  },
  { what: 'newName over a right base tag', base: `app:${T}`, overlay: entry({ name: 'app', newName: REPO }) },
  { what: 'newName over a stale base tag', base: `app:${STALE}`, overlay: entry({ name: 'app', newName: REPO }) },
  { what: 'a tagSuffix over a right tag', base: `${REPO}:${T}`, overlay: entry({ name: REPO, tagSuffix: '-debug' }) },
  {
    what: 'a tagSuffix, then a literal with the right tag',
    base: `${REPO}:${T}`,
    overlay: entry({ name: REPO, tagSuffix: '-debug' }) + entry({ name: REPO, newTag: T }),
  },
  {
    what: 'a stale pattern, a tagSuffix, then a literal with the right tag',
    base: `${REPO}:${T}`,
    overlay:
      entry({ name: PATTERN, newTag: STALE }) +
      entry({ name: REPO, tagSuffix: '-debug' }) +
      entry({ name: REPO, newTag: T }),
  },
  {
    what: 'a stale pattern, then a literal with the right tag',
    base: `${REPO}:${T}`,
    overlay: entry({ name: PATTERN, newTag: STALE }) + entry({ name: REPO, newTag: T }),
  },
  {
    what: 'a right literal, then a stale pattern',
    base: `${REPO}:${T}`,
    overlay: entry({ name: REPO, newTag: T }) + entry({ name: PATTERN, newTag: STALE }),
  },
  {
    what: 'a right tag, then a tagSuffix',
    base: `${REPO}:${T}`,
    overlay: entry({ name: REPO, newTag: T }) + entry({ name: REPO, tagSuffix: '-debug' }),
  },
  {
    what: 'a digest with the right tag',
    base: `${REPO}:${T}`,
    overlay: entry({ name: REPO, newTag: T, digest: DIGEST }),
  },
  { what: 'a digest alone over a right tag', base: `${REPO}:${T}`, overlay: entry({ name: REPO, digest: DIGEST }) },
  {
    what: 'a digest, then the right tag',
    base: `${REPO}:${T}`,
    overlay: entry({ name: REPO, digest: DIGEST }) + entry({ name: REPO, newTag: T }),
  },
  {
    what: 'a stale tag in the base kustomization, the right one in the overlay',
    base: `${REPO}:${T}`,
    inBase: entry({ name: REPO, newTag: STALE }),
    overlay: entry({ name: REPO, newTag: T }),
  },
  {
    what: 'the right tag in the base kustomization, a stale one in the overlay',
    base: `${REPO}:${T}`,
    inBase: entry({ name: REPO, newTag: T }),
    overlay: entry({ name: REPO, newTag: STALE }),
  },
  {
    what: 'the right tag in the base kustomization, a tagSuffix in the overlay',
    base: `${REPO}:${T}`,
    inBase: entry({ name: REPO, newTag: T }),
    overlay: entry({ name: REPO, tagSuffix: '-debug' }),
  },
  {
    what: 'a rename, then the right tag under the new name',
    base: `app:${STALE}`,
    overlay: entry({ name: 'app', newName: REPO }) + entry({ name: REPO, newTag: T }),
  },
  {
    what: 'a rename with a stale tag, then the right tag under the new name',
    base: `app:${STALE}`,
    overlay: entry({ name: 'app', newName: REPO, newTag: STALE }) + entry({ name: REPO, newTag: T }),
  },
  {
    what: 'a rename with the right tag, then a stale tag under the new name',
    base: `app:${STALE}`,
    overlay: entry({ name: 'app', newName: REPO, newTag: T }) + entry({ name: REPO, newTag: STALE }),
  },
  {
    what: 'a stale pattern, a tagSuffix of the pattern, then a literal with the right tag',
    base: `${REPO}:${T}`,
    overlay:
      entry({ name: PATTERN, newTag: STALE }) +
      entry({ name: PATTERN, tagSuffix: '-debug' }) +
      entry({ name: REPO, newTag: T }),
  },
  {
    what: 'a stale literal, a tagSuffix, then the literal with the right tag',
    base: `${REPO}:${T}`,
    overlay:
      entry({ name: REPO, newTag: STALE }) +
      entry({ name: REPO, tagSuffix: '-debug' }) +
      entry({ name: REPO, newTag: T }),
  },
  {
    what: 'a stale non-literal pattern, a tagSuffix, then a literal with the right tag',
    base: `${REPO}:${T}`,
    overlay:
      entry({ name: 'registry.example.com/team/ap+', newTag: STALE }) +
      entry({ name: REPO, tagSuffix: '-debug' }) +
      entry({ name: REPO, newTag: T }),
  },
  {
    what: 'a stale pattern, a tagSuffix, then the pattern with the right tag',
    base: `${REPO}:${T}`,
    overlay:
      entry({ name: PATTERN, newTag: STALE }) +
      entry({ name: REPO, tagSuffix: '-debug' }) +
      entry({ name: PATTERN, newTag: T }),
  },
  {
    what: 'a stale pattern, a rename to it, then a literal with the right tag',
    base: `${REPO}:${T}`,
    overlay:
      entry({ name: PATTERN, newTag: STALE }) + entry({ name: REPO, newName: REPO }) + entry({ name: REPO, newTag: T }),
  },
  {
    what: 'a stale pattern, a tagSuffix, then a literal with the right tag, base renamed',
    base: `app:${T}`,
    overlay:
      entry({ name: 'app', newName: REPO }) +
      entry({ name: PATTERN, newTag: STALE }) +
      entry({ name: REPO, tagSuffix: '-debug' }) +
      entry({ name: REPO, newTag: T }),
  },
  {
    what: 'a stale literal, then a tagSuffix',
    base: `${REPO}:${T}`,
    overlay: entry({ name: REPO, newTag: STALE }) + entry({ name: REPO, tagSuffix: '-debug' }),
  },
  {
    what: 'a stale tag in the base, a tagSuffix and the right tag in the overlay',
    base: `${REPO}:${T}`,
    inBase: entry({ name: PATTERN, newTag: STALE }),
    overlay: entry({ name: REPO, tagSuffix: '-debug' }) + entry({ name: REPO, newTag: T }),
  },
  {
    what: 'a rename in the base kustomization, a tagSuffix in the overlay',
    base: `app:${T}`,
    inBase: entry({ name: 'app', newName: REPO }),
    overlay: entry({ name: REPO, tagSuffix: '-debug' }),
  },
  {
    what: 'a rename in the base kustomization, the right tag in the overlay',
    base: `app:${STALE}`,
    inBase: entry({ name: 'app', newName: REPO }),
    overlay: entry({ name: REPO, newTag: T }),
  },
];

describe('kustomize images: entry sequences against kubectl kustomize', () => {
  it('never passes a stale render and passes every current one', async () => {
    const repo = gitRepo({ 'default.nix': plainImage, '.nixtagrc.yaml': CONFIG });
    const tag = (await nixtag(repo.dir, ['hash'])).stdout.trim();
    expect(tag).toMatch(/^[0-9a-z]{32}$/);
    const fill = (text: string) => text.replaceAll(T, tag);
    const table: string[] = [];
    for (const c of CASES) {
      repo.write({
        'base/deployment.yaml': deployment(fill(c.base)),
        'base/kustomization.yaml': `resources: [deployment.yaml]\n${c.inBase === undefined ? '' : `images:\n${fill(c.inBase)}`}`,
        'overlay/kustomization.yaml': `resources: [../base]\nimages:\n${fill(c.overlay)}`,
      });
      repo.commit(c.what);
      // The oracle: every kustomization rendered; those that deploy the repository must deploy the right tag.
      const rendered = ['base', 'overlay'].flatMap((dir) =>
        [...execFileSync('kubectl', ['kustomize', dir], { cwd: repo.dir, encoding: 'utf8' }).matchAll(/image: (.*)/g)]
          .map((match) => match[1]!)
          .filter((image) => image.startsWith(REPO)),
      );
      const current = rendered.every((image) => image === `${REPO}:${tag}`);
      const check = await nixtag(repo.dir, ['check']);
      const verdict = check.code === 0 ? 'up to date' : check.code === 1 ? 'stale' : 'refused';
      const expected = current ? (c.refused === true ? 'refused' : 'up to date') : 'stale';
      table.push(
        `${c.what}: kustomize ${current ? 'current' : 'stale'} (${rendered.join(', ').replaceAll(tag, 'T')}), nixtag ${verdict}`,
      );
      if (verdict !== expected && !(expected === 'stale' && verdict === 'refused'))
        table.push(`  MISMATCH ${check.stdout}${check.stderr}`);
    }
    expect(
      table.filter((line) => line.includes('MISMATCH')),
      table.join('\n'),
    ).toEqual([]);
  }, 300_000);
});
