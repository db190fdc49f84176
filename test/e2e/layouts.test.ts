import { describe, expect, it } from 'vitest';
import { nixtagCli } from '../helpers/cli.js';
import { deployment, plainImage } from '../helpers/expressions.js';
import { gitRepo, type Files } from '../helpers/repo.js';

// Issue 9's layouts through the built CLI in real git repositories, with real Nix: two of them;
// the others run in-process in test/integration/layouts.test.ts.
const REPO = 'registry.example.com/team/app';
const CONFIG = `images:\n  - name: app\n    nix: default.nix\n    repository: ${REPO}\n`;

function repoWith(files: Files) {
  const repo = gitRepo({ 'default.nix': plainImage, '.nixtagrc.yaml': CONFIG, ...files });
  const tag = nixtagCli(repo.dir, ['hash']).stdout.trim();
  expect(tag).toMatch(/^[0-9a-z]{32}$/);
  return { repo, tag };
}

/** check and fix both refuse `file` (exit 2, the code, file:line:column) and leave it as it was. */
function expectRefused(file: string, content: string, code: string, at: string): void {
  const { repo } = repoWith({ [file]: content });
  for (const command of ['check', 'fix']) {
    const run = nixtagCli(repo.dir, [command]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`nixtag: error [${code}]`);
    expect(run.stderr).toContain(`at ${file}:${at}`);
  }
  expect(repo.read(file)).toBe(content);
}

describe('the CLI on the layouts of issue 9', () => {
  it('refuses a marker of the wrong kind for its value with exit 2 and file:line, and writes nothing', () => {
    expectRefused('k8s/app.yaml', deployment(`${REPO}:1.0 # {"$nixtag": "app:tag"}`), 'MARKER_MISMATCH', '10:18');
  });

  it('rewrites the sibling imageTag of a tagless image, Flux spec.images, and an extension-less Kustomization', () => {
    const values = `image: "${REPO}"\nimageTag: "8.5.1"\n`;
    const flux = `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\nspec:\n  images:\n    - name: ${REPO}\n      newTag: 1.0.0\n`;
    const kustomization = `images:\n  - name: ${REPO}\n    newTag: "1.0"\n`;
    const { repo, tag } = repoWith({
      'chart/values.yaml': values,
      'clusters/apps.yaml': flux,
      'overlay/Kustomization': kustomization,
    });
    const stale = nixtagCli(repo.dir, ['check', '--json']);
    expect(stale.code).toBe(1);
    const result = JSON.parse(stale.stdout) as { references: Array<{ file: string; line: number; status: string }> };
    expect(result.references.map(({ file, line, status }) => [file, line, status])).toEqual([
      ['chart/values.yaml', 2, 'stale'],
      ['clusters/apps.yaml', 8, 'stale'],
      ['overlay/Kustomization', 3, 'stale'],
    ]);
    expect(nixtagCli(repo.dir, ['fix']).code).toBe(0);
    expect(repo.read('chart/values.yaml')).toBe(`image: "${REPO}"\nimageTag: "${tag}"\n`);
    expect(repo.read('clusters/apps.yaml')).toBe(flux.replace('1.0.0', tag));
    expect(repo.read('overlay/Kustomization')).toBe(kustomization.replace('"1.0"', `"${tag}"`));
  });
});
