import { describe, expect, it } from 'vitest';
import { plainImage } from '../helpers/expressions.js';
import { nixtag } from '../helpers/inProcess.js';
import { gitRepo } from '../helpers/repo.js';

// Argo CD hands Helm the string `helm.values` holds, whatever its YAML style: nixtag judges what
// is inside every style, and rewrites only a literal block it maps character by character.
const REPO = 'registry.example/app';
const STALE_TAG = '0000000000000000000000000000000a';
const config = `images:\n  - name: app\n    nix: default.nix\n    repository: ${REPO}\n`;

const application = (values: string) =>
  `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: app}\nspec:\n  source:\n    repoURL: https://charts.example\n    chart: app\n    helm:\n      values: ${values}\n`;

const STYLES: Array<[string, (tag: string) => string]> = [
  ['an indentation indicator', (tag) => `|2\n        image:\n          repository: ${REPO}\n          tag: ${tag}`],
  ['a folded block', (tag) => `>\n        image:\n          repository: ${REPO}\n          tag: ${tag}`],
  ['a double-quoted string', (tag) => `"image: {repository: ${REPO}, tag: ${tag}}"`],
  ['a single-quoted string', (tag) => `'image: {repository: ${REPO}, tag: ${tag}}'`],
];

describe('Argo CD helm.values in a style nixtag cannot map back character by character', () => {
  it.each(STYLES)(
    'with %s: a stale tag fails check at the values line, fix refuses, a current one passes',
    async (_, values) => {
      const repo = gitRepo({
        'default.nix': plainImage,
        '.nixtagrc.yaml': config,
        'app.yaml': application(values(STALE_TAG)),
      });
      const tag = (await nixtag(repo.dir, ['hash'])).stdout.trim();
      expect(tag).toMatch(/^[0-9a-z]{32}$/);

      const stale = await nixtag(repo.dir, ['check']);
      expect(stale.code, stale.stdout + stale.stderr).toBe(1);
      expect(stale.stdout).toContain('app.yaml:9:');
      expect(stale.stdout).toContain(STALE_TAG);

      const fix = await nixtag(repo.dir, ['fix']);
      expect(fix.code, fix.stdout + fix.stderr).toBe(2);
      expect(fix.stderr).toContain('REWRITE_UNSAFE');
      expect(repo.read('app.yaml')).toBe(application(values(STALE_TAG)));

      repo.write({ 'app.yaml': application(values(tag)) });
      repo.commit('current tag');
      const current = await nixtag(repo.dir, ['check']);
      expect(current.code, current.stdout + current.stderr).toBe(0);
    },
  );
});
