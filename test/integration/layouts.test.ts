import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { nixtag } from '../helpers/inProcess.js';
import { deployment, plainImage, STALE } from '../helpers/expressions.js';
import { gitRepo, type Files } from '../helpers/repo.js';

// Issue 9's layouts, run in-process (test/helpers/inProcess.ts) in real git repositories with real
// Nix; test/e2e/layouts.test.ts runs two through the built CLI.
const REPO = 'registry.example.com/team/app';
const CONFIG = `images:\n  - name: app\n    nix: default.nix\n    repository: ${REPO}\n`;
const DIGEST = `sha256:${'a'.repeat(64)}`;

async function repoWith(files: Files) {
  const repo = gitRepo({ 'default.nix': plainImage, '.nixtagrc.yaml': CONFIG, ...files });
  const tag = (await nixtag(repo.dir, ['hash'])).stdout.trim();
  expect(tag).toMatch(/^[0-9a-z]{32}$/);
  return { repo, tag };
}

/** check and fix both refuse `file` (exit 2, the code, file:line:column) and leave it as it was. */
async function expectRefused(file: string, content: string, code: string, at: string): Promise<void> {
  const { repo } = await repoWith({ [file]: content });
  for (const command of ['check', 'fix']) {
    const run = await nixtag(repo.dir, [command]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`nixtag: error [${code}]`);
    expect(run.stderr).toContain(`at ${file}:${at}`);
  }
  expect(repo.read(file)).toBe(content);
}

describe('the CLI on the layouts of issue 9', () => {
  it('binds a whole-reference marker to the configured repository and says the repository changed', async () => {
    const { repo, tag } = await repoWith({ 'k8s/app.yaml': deployment('user:v1.0.0 # {"$nixtag": "app"}') });
    const stale = await nixtag(repo.dir, ['check']);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toContain('current:  user:v1.0.0');
    expect(stale.stdout).toContain(`the repository changes from user:v1.0.0`);
    const fixed = await nixtag(repo.dir, ['fix']);
    expect(fixed.code).toBe(0);
    expect(repo.read('k8s/app.yaml')).toBe(deployment(`${REPO}:${tag} # {"$nixtag": "app"}`));
    expect((await nixtag(repo.dir, ['check'])).code).toBe(0);
  });

  it('judges the base a kustomize entry renames to the image with no tag, as `kubectl kustomize` deploys it', async () => {
    const kustomization = `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../base]\nimages:\n- name: app\n  newName: ${REPO}\n`;
    const { repo, tag } = await repoWith({
      'base/deployment.yaml': deployment('app:v1'),
      'base/kustomization.yaml': 'resources: [deployment.yaml]\n',
      'overlay/kustomization.yaml': kustomization,
    });
    // The oracle: what kustomize deploys is the base's tag under the new name.
    const deployed = () =>
      /image: (.*)/.exec(execFileSync('kubectl', ['kustomize', 'overlay'], { cwd: repo.dir, encoding: 'utf8' }))![1];
    expect(deployed()).toBe(`${REPO}:v1`);
    const stale = await nixtag(repo.dir, ['check', '--json']);
    expect(stale.code).toBe(1);
    const result = JSON.parse(stale.stdout) as { references: unknown[]; warnings: Array<{ file: string }> };
    expect(result.references).toEqual([
      expect.objectContaining({
        file: 'base/deployment.yaml',
        status: 'stale',
        current: 'app:v1',
        expected: `app:${tag}`,
      }),
    ]);
    // The entry is managed: its lines are not mentions.
    expect(result.warnings.filter((warning) => warning.file === 'overlay/kustomization.yaml')).toEqual([]);
    expect((await nixtag(repo.dir, ['fix'])).code).toBe(0);
    expect(repo.read('base/deployment.yaml')).toBe(deployment(`app:${tag}`));
    expect(deployed()).toBe(`${REPO}:${tag}`);
    expect((await nixtag(repo.dir, ['check'])).code).toBe(0);
  });

  for (const [what, entry, baseImage] of [
    ['on its own', `- name: ${REPO}\n  tagSuffix: -debug\n`, REPO],
    ['beside a rename', `- name: app\n  newName: ${REPO}\n  tagSuffix: -debug\n`, 'app'],
    // Names matched as Go's regexp matches them: a pattern, RE2's \Q…\E, a pattern renamed.
    ['named by a pattern', `- name: 'registry.example.com/team/.*'\n  tagSuffix: -debug\n`, REPO],
    ['named as Go reads it', `- name: '\\Q${REPO}\\E'\n  tagSuffix: -debug\n`, REPO],
    ['beside the rename of a pattern', `- name: 'ap+'\n  newName: ${REPO}\n  tagSuffix: -debug\n`, 'app'],
  ] as const) {
    it(`never passes a right tag that a kustomize tagSuffix ${what} changes where deployed: check exit 1, fix exit 2`, async () => {
      const kustomization = `resources: [../base]\nimages:\n${entry}`;
      const files = { 'base/kustomization.yaml': 'resources: [deployment.yaml]\n' };
      const { repo, tag } = await repoWith({ ...files, 'overlay/kustomization.yaml': kustomization });
      repo.write({ 'base/deployment.yaml': deployment(`${baseImage}:${tag}`) });
      repo.commit('right tag in the base');
      // The oracle: kustomize appends the suffix (once or more) to the base's right tag.
      const rendered = execFileSync('kubectl', ['kustomize', 'overlay'], { cwd: repo.dir, encoding: 'utf8' });
      expect(/image: (.*)/.exec(rendered)![1]).toMatch(new RegExp(`^${REPO}:${tag}-debug`));
      const check = await nixtag(repo.dir, ['check']);
      expect(check.code).toBe(1);
      expect(check.stdout).toContain(`base/deployment.yaml:10:18: stale reference to app`);
      expect(check.stdout).toContain(`tagSuffix -debug, which makes the deployed tag \`${tag}-debug\``);
      const fix = await nixtag(repo.dir, ['fix']);
      expect(fix.code).toBe(2);
      expect(fix.stderr).toContain('nixtag: error [REWRITE_UNSAFE]');
      expect(fix.stderr).toMatch(
        /hint: Remove `tagSuffix: -debug` from overlay\/kustomization.yaml:\d+, or stop managing app/,
      );
      expect(repo.read('base/deployment.yaml')).toBe(deployment(`${baseImage}:${tag}`));
      // Without the suffix the same tree passes: only the suffix was judged.
      repo.write({ 'overlay/kustomization.yaml': kustomization.replace('  tagSuffix: -debug\n', '') });
      expect((await nixtag(repo.dir, ['check'])).code).toBe(0);
    });
  }

  it('reads `newTag: ""` as kustomize does, as no newTag: the base keeps its right tag', async () => {
    const kustomization = `resources: [../base]\nimages:\n- name: ${REPO}\n  newName: ${REPO}\n  newTag: ""\n`;
    const files = { 'base/kustomization.yaml': 'resources: [deployment.yaml]\n' };
    const { repo, tag } = await repoWith({ ...files, 'overlay/kustomization.yaml': kustomization });
    repo.write({ 'base/deployment.yaml': deployment(`${REPO}:${tag}`) });
    repo.commit('right tag in the base');
    const rendered = execFileSync('kubectl', ['kustomize', 'overlay'], { cwd: repo.dir, encoding: 'utf8' });
    expect(/image: (.*)/.exec(rendered)![1]).toBe(`${REPO}:${tag}`);
    const check = await nixtag(repo.dir, ['check']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });

  it('applies a tagSuffix Component only where an overlay includes it, as `kubectl kustomize` does', async () => {
    const component = `apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nimages:\n- name: ${REPO}\n  tagSuffix: -debug\n`;
    const { repo, tag } = await repoWith({
      'components/debug/kustomization.yaml': component,
      'base/kustomization.yaml': 'resources: [deployment.yaml]\n',
      'overlay/kustomization.yaml': 'resources: [../base]\n',
    });
    repo.write({ 'base/deployment.yaml': deployment(`${REPO}:${tag}`) });
    repo.commit('right tag, component unused');
    const deployed = () =>
      /image: (.*)/.exec(execFileSync('kubectl', ['kustomize', 'overlay'], { cwd: repo.dir, encoding: 'utf8' }))![1];
    expect(deployed()).toBe(`${REPO}:${tag}`);
    expect((await nixtag(repo.dir, ['check'])).code).toBe(0);
    repo.write({ 'overlay/kustomization.yaml': 'resources: [../base]\ncomponents: [../components/debug]\n' });
    expect(deployed()).toMatch(new RegExp(`^${REPO}:${tag}-debug`));
    const check = await nixtag(repo.dir, ['check']);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('base/deployment.yaml:10:18: stale reference to app');
    expect(check.stdout).toContain('components/debug/kustomization.yaml:4 has tagSuffix -debug');
  });

  const patchContainer = (image: string) =>
    `    kind: Deployment\n    metadata: {name: app}\n    spec:\n      template:\n        spec:\n          containers:\n          - name: app\n            image: ${image}\n`;
  for (const [what, patch, line] of [
    [
      'a strategic-merge patch',
      (image: string) => `- patch: |-\n    apiVersion: apps/v1\n${patchContainer(image)}`,
      12,
    ],
    [
      'a JSON 6902 patch',
      (image: string) =>
        `- target: {kind: Deployment}\n  patch: |-\n    - op: replace\n      path: /spec/template/spec/containers/0/image\n      value: ${image}\n`,
      7,
    ],
  ] as const) {
    it(`refuses a managed image that ${what} in a kustomization sets (exit 2), as nixtag does not judge it`, async () => {
      const kustomization = `resources: [deployment.yaml]\npatches:\n${patch(`${REPO}:v0`)}`;
      const { repo, tag } = await repoWith({ 'k/kustomization.yaml': kustomization });
      repo.write({ 'k/deployment.yaml': deployment(`${REPO}:${tag}`) });
      repo.commit('right tag in the manifest, a stale one in the patch');
      // The oracle: kustomize deploys the patch's stale tag.
      const rendered = execFileSync('kubectl', ['kustomize', 'k'], { cwd: repo.dir, encoding: 'utf8' });
      expect(/image: (.*)/.exec(rendered)![1]).toBe(`${REPO}:v0`);
      for (const command of [['check'], ['hook', 'pre-commit']]) {
        const run = await nixtag(repo.dir, command);
        expect(run.code).toBe(2);
        expect(run.stderr).toContain(`nixtag: error [KUSTOMIZE_PATCH]: k/kustomization.yaml:${line}:`);
        expect(run.stderr).toContain('nixtag does not judge images set in kustomize patches');
        expect(run.stderr).toContain("hint: Move the image to the kustomization's `images:` (with `newTag`)");
      }
    });
  }

  it('refuses a Flux Kustomization whose spec.images entry has a newName with a tag (exit 2), as a kustomization', async () => {
    const flux = `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: app}\nspec:\n  path: ./k\n  images:\n    - name: ${REPO}\n      newName: ${REPO}:v0\n`;
    const { repo, tag } = await repoWith({ 'clusters/app.yaml': flux });
    repo.write({ 'k/deployment.yaml': deployment(`${REPO}:${tag}`) });
    repo.commit('right tag in the manifest, a tagged newName in the Flux Kustomization');
    const run = await nixtag(repo.dir, ['check']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('nixtag: error [KUSTOMIZE_PATCH]: clusters/app.yaml:7:');
  });

  it('judges the images: entry kustomize applies last where two share a name, as kubectl kustomize renders', async () => {
    const entry = (tag: string) => `  - name: ${REPO}\n    newTag: "${tag}"\n`;
    const { repo, tag } = await repoWith({});
    repo.write({ 'k/deployment.yaml': deployment(`${REPO}:${tag}`) });
    const deployed = () =>
      /image: (.*)/.exec(execFileSync('kubectl', ['kustomize', 'k'], { cwd: repo.dir, encoding: 'utf8' }))![1];
    for (const [entries, code, rendered] of [
      [[STALE, tag], 0, tag],
      [[tag, STALE], 1, STALE],
    ] as const) {
      repo.write({ 'k/kustomization.yaml': `resources: [deployment.yaml]\nimages:\n${entries.map(entry).join('')}` });
      repo.commit(`entries ${entries.join(', ')}`);
      // The oracle: what kustomize deploys (the last entry's tag where it still matches).
      expect(deployed()).toBe(`${REPO}:${rendered}`);
      expect((await nixtag(repo.dir, ['check'])).code).toBe(code);
    }
    expect((await nixtag(repo.dir, ['fix'])).code).toBe(0);
    expect(deployed()).toBe(`${REPO}:${tag}`);
    // A tag the later name no longer matches (`+`): kustomize applies the first entry alone.
    const kept = `${STALE}+build.4`;
    repo.write({ 'k/kustomization.yaml': `resources: [deployment.yaml]\nimages:\n${[kept, tag].map(entry).join('')}` });
    repo.commit('a first entry the second no longer matches');
    expect(deployed()).toBe(`${REPO}:${kept}`);
    expect((await nixtag(repo.dir, ['check'])).code).toBe(1);
    // fix rewrites both (the second one alone would leave the first's deployed): the first, once
    // it holds the tag, is set again by the second, as kustomize renders.
    const fixed = await nixtag(repo.dir, ['fix']);
    expect([fixed.code, fixed.stderr]).toEqual([0, '']);
    expect(repo.read('k/kustomization.yaml')).toBe(
      `resources: [deployment.yaml]\nimages:\n${[tag, tag].map(entry).join('')}`,
    );
    expect(deployed()).toBe(`${REPO}:${tag}`);
    expect((await nixtag(repo.dir, ['check'])).code).toBe(0);
  });

  it('judges what kubectl kustomize renders where a later images: entry, a pattern too, reaches what an earlier one set', async () => {
    const { repo, tag } = await repoWith({});
    repo.write({ 'k/deployment.yaml': deployment(`${REPO}:${tag}`) });
    const deployed = () =>
      /image: (.*)/.exec(execFileSync('kubectl', ['kustomize', 'k'], { cwd: repo.dir, encoding: 'utf8' }))![1];
    const entry = (name: string, keys: string) => `  - name: ${name}\n${keys}`;
    const newTag = (value: string) => `    newTag: "${value}"\n`;
    const team = 'registry.example.com/team';
    // Entries given the tag of the earlier ones (a) and of the last (b).
    const cases: Array<(a: string, b: string) => string> = [
      (a, b) => entry(REPO, newTag(a)) + entry(`${team}/.*`, newTag(b)),
      (a, b) => entry(REPO, newTag(a)) + entry('registry[.]example[.]com/team/a(p)+', newTag(b)),
      (a, b) => entry(REPO, newTag(a)) + entry(`${REPO}:${a}`, newTag(b)),
      (_, b) => entry(REPO, `    digest: ${DIGEST}\n`) + entry('.*/app', newTag(b)),
      // A rename between, which the last entry follows.
      (a, b) =>
        entry(REPO, newTag(a)) +
        entry('.*/app', `    newName: ${team}/app2\n`) +
        entry(`${team}/app2`, `    newName: ${REPO}\n${newTag(b)}`),
      // A tag the later pattern no longer matches, a name that matches the base's tag and not the
      // one set, a suffix the later name no longer matches: the earlier entry's tag is deployed.
      (a, b) => entry(REPO, newTag(`${a}+build.4`)) + entry(`${team}/[a-z]*`, newTag(b)),
      (a, b) => entry(REPO, newTag(a)) + entry(`${REPO}:${tag}`, newTag(b)),
      (a, b) => entry(`${REPO}:${tag}`, newTag(a)) + entry(`${REPO}:${tag}`, newTag(b)),
      (_, b) => entry(REPO, '    tagSuffix: +x\n') + entry(REPO, newTag(b)),
    ];
    for (const entries of cases) {
      for (const images of [entries(STALE, tag), entries(tag, STALE)]) {
        repo.write({ 'k/kustomization.yaml': `resources: [deployment.yaml]\nimages:\n${images}` });
        repo.commit('entries');
        // The oracle: a commit passes where kustomize deploys the right tag, and only there.
        const right = deployed() === `${REPO}:${tag}`;
        expect([images, (await nixtag(repo.dir, ['check'])).code]).toEqual([images, right ? 0 : 1]);
      }
    }
    // fix rewrites the entry kustomize deploys, and leaves the one it hides.
    const [pattern] = cases;
    repo.write({ 'k/kustomization.yaml': `resources: [deployment.yaml]\nimages:\n${pattern!(STALE, STALE)}` });
    expect((await nixtag(repo.dir, ['fix'])).code).toBe(0);
    expect(repo.read('k/kustomization.yaml')).toBe(`resources: [deployment.yaml]\nimages:\n${pattern!(STALE, tag)}`);
    expect(deployed()).toBe(`${REPO}:${tag}`);
  });

  it("judges an images: entry by its name as Go's regexp reads it, case and all, as kubectl kustomize renders", async () => {
    const { repo, tag } = await repoWith({});
    const deployed = () =>
      /image: (.*)/.exec(execFileSync('kubectl', ['kustomize', 'k'], { cwd: repo.dir, encoding: 'utf8' }))![1];
    const upper = 'Registry.example.com/team/app';
    // RE2's syntax that JavaScript reads otherwise or refuses, a `.` in a path, and case.
    const names = [
      'registry.example.com/team/a.p',
      String.raw`\Qregistry.example.com/team/app\E`,
      'registry.example.com/team/[[:alpha:]]+',
      String.raw`registry.example.com/team/\pLpp`,
      '(?P<x>registry.example.com/team/app)',
      '(?i)REGISTRY.example.com/team/app',
      `${REPO}$*`,
      `${REPO}:[0-9a-z]{32}`,
      upper,
    ];
    // A base written otherwise than configured (the registry's case) is reached where it is
    // written; the configured spelling is taken as one a base may use, written or not.
    for (const [base, reaching] of [
      [REPO, names],
      [upper, [upper, '(?i)REGISTRY.example.com/team/app']],
    ] as const) {
      repo.write({ 'k/deployment.yaml': deployment(`${base}:${tag}`) });
      for (const name of reaching) {
        repo.write({
          'k/kustomization.yaml': `resources: [deployment.yaml]\nimages:\n  - name: '${name}'\n    newTag: ${STALE}\n`,
        });
        repo.commit(`entry ${name}`);
        // The oracle: a commit passes where kustomize deploys the right tag, and only there.
        const right = deployed() === `${base}:${tag}`;
        expect([base, name, (await nixtag(repo.dir, ['check'])).code]).toEqual([base, name, right ? 0 : 1]);
      }
    }
    // A tagSuffix, and a rename, reach what the name matches, case and all.
    repo.write({ 'k/deployment.yaml': deployment(`${REPO}:${tag}`) });
    for (const [name, keys] of [
      [upper, '    tagSuffix: -debug\n'],
      [String.raw`\Q${REPO}\E`, '    tagSuffix: -debug\n'],
      ['registry.example.com/team/a.p', '    tagSuffix: -debug\n'],
      ['Registry.example.com/team/app', `    newName: registry.example.com/other/app\n`],
    ]) {
      repo.write({ 'k/kustomization.yaml': `resources: [deployment.yaml]\nimages:\n  - name: '${name}'\n${keys}` });
      repo.commit(`entry ${name}`);
      const right = deployed() === `${REPO}:${tag}`;
      expect([name, (await nixtag(repo.dir, ['check'])).code]).toEqual([name, right ? 0 : 1]);
    }
    // fix writes the tag where kustomize deploys the entry's.
    const quoted = (value: string) =>
      `resources: [deployment.yaml]\nimages:\n  - name: '${names[1]}'\n    newTag: ${value}\n`;
    repo.write({ 'k/deployment.yaml': deployment(`${REPO}:${tag}`), 'k/kustomization.yaml': quoted(STALE) });
    expect(deployed()).toBe(`${REPO}:${STALE}`);
    expect((await nixtag(repo.dir, ['fix'])).code).toBe(0);
    expect(repo.read('k/kustomization.yaml')).toBe(quoted(tag));
    expect(deployed()).toBe(`${REPO}:${tag}`);
    expect((await nixtag(repo.dir, ['check'])).code).toBe(0);
  });

  it('refuses an images: entry whose newName carries a tag or digest (exit 2): kustomize renders neither tag CI pushes', async () => {
    const tagged = [
      `    newName: ${REPO}:v0\n`,
      `    newName: ${REPO}@sha256:${'0'.repeat(64)}\n`,
      // Written as a block scalar, or through an alias, or with a tag no parser reads.
      `    newName: >-\n      ${REPO}:v0\n`,
      `    newName: *pinned\n`,
      `    newName: "${REPO}:"\n`,
    ];
    for (const newName of tagged) {
      const kustomization = `commonAnnotations:\n  pinned: &pinned ${REPO}:v0\nresources: [deployment.yaml]\nimages:\n  - name: ${REPO}\n${newName}`;
      const { repo, tag } = await repoWith({ 'k/kustomization.yaml': kustomization });
      repo.write({ 'k/deployment.yaml': deployment(`${REPO}:${tag}`) });
      repo.commit('right tag in the manifest, a tagged newName');
      // The oracle: what kustomize deploys is not the tag CI pushes.
      const rendered = execFileSync('kubectl', ['kustomize', 'k'], { cwd: repo.dir, encoding: 'utf8' });
      expect(/image: (.*)/.exec(rendered)![1]).not.toBe(`${REPO}:${tag}`);
      for (const command of [['check'], ['hook', 'pre-commit']]) {
        const run = await nixtag(repo.dir, command);
        expect(run.code, newName).toBe(2);
        expect(run.stderr).toContain('nixtag: error [KUSTOMIZE_PATCH]: k/kustomization.yaml:5:');
        expect(run.stderr).toContain("images: entry's newName with a tag or digest");
      }
    }
  });

  it('reports a Helm map without a tag as stale, and fix refuses with exit 2 saying what to add', async () => {
    const values = `image:\n  repository: ${REPO}\n  pullPolicy: IfNotPresent\n`;
    const { repo, tag } = await repoWith({ 'chart/values.yaml': values });
    const stale = await nixtag(repo.dir, ['check']);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toContain('chart/values.yaml:2:15: stale reference to app');
    const fixed = await nixtag(repo.dir, ['fix']);
    expect(fixed.code).toBe(2);
    expect(fixed.stderr).toContain(`hint: Add \`tag: "${tag}"\``);
    expect(repo.read('chart/values.yaml')).toBe(values);
  });

  it('judges a map tag@digest like the string form, and notes a stale digest dropped', async () => {
    const { repo, tag } = await repoWith({});
    const values = (written: string) => `image:\n  repository: ${REPO}\n  tag: "${written}@${DIGEST}"\n`;
    repo.write({ 'chart/values.yaml': values(tag) });
    repo.commit('current with digest');
    // Runtimes pull the digest, which no evaluation checks: a current tag beside one is not "up to date".
    expect((await nixtag(repo.dir, ['check'])).code).toBe(1);
    repo.write({ 'chart/values.yaml': values('1.0') });
    repo.commit('stale with digest');
    const fixed = await nixtag(repo.dir, ['fix']);
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toContain('the stale @sha256 digest pins the old image and is dropped');
    expect(repo.read('chart/values.yaml')).toBe(`image:\n  repository: ${REPO}\n  tag: "${tag}"\n`);
  });

  it('lists skipped files, unknown markers and mentions as warnings with file and line', async () => {
    const { repo, tag } = await repoWith({
      'k8s/app.yaml': deployment(`${REPO}:${'0'.repeat(31)}a`),
      'k8s/other.yaml': 'data:\n  x: v1 # {"$nixtag": "nope:tag"}\n',
      'chart/Chart.yaml': 'name: app\n',
      // Mentions stand where an image can be named (issue 20): a value in a template, a dotenv file.
      'chart/templates/deployment.yaml': `spec:\n  image: {{ .Values.image }}\n  sidecar: ${REPO}:1.0\n`,
      'docs/deploy.env': `# Run it:\n\nIMAGE=${REPO}:latest\n`,
      'jsonnet/app.jsonnet': `{ image: "${REPO}:" + tag, other: "${REPO}-other:1" }\n`,
      // Not YAML, out of a chart (Helm does not render it): skipped, as it names no managed image.
      'k8s/template.yaml': `{{- if .Values.x }}\nimage: other.example/tool\n{{- end }}\n`,
    });
    const json = await nixtag(repo.dir, ['check', '--json']);
    expect(json.code).toBe(1);
    const { warnings } = JSON.parse(json.stdout) as {
      warnings: Array<{ file: string; line: number; message: string }>;
    };
    expect(warnings.map(({ file, line }) => `${file}:${line}`)).toEqual([
      'k8s/template.yaml:1',
      'k8s/other.yaml:2',
      'chart/templates/deployment.yaml:3',
      'docs/deploy.env:3',
      'jsonnet/app.jsonnet:1',
    ]);
    expect(warnings[0]!.message).toMatch(/^Skipped k8s\/template\.yaml:1:\d+: not YAML \(.*[^:]\)\.$/);
    expect(warnings[1]!.message).toContain("names 'nope'");

    const text = await nixtag(repo.dir, ['check']);
    expect(text.stderr).toContain('3 places outside the shapes nixtag manages name a managed repository');
    expect(text.stderr).not.toContain('docs/deploy.env:3');
    const verbose = await nixtag(repo.dir, ['check', '--verbose']);
    expect(verbose.stderr).toContain(`docs/deploy.env:3: names ${REPO} in a place nixtag does not manage`);
    expect((await nixtag(repo.dir, ['fix'])).code).toBe(0);
    expect(repo.read('k8s/app.yaml')).toBe(deployment(`${REPO}:${tag}`));
  });

  it('refuses a manifest with conflict markers in the default set, with file:line and exit 2', async () => {
    const conflicted = `kind: Pod\nspec:\n  containers:\n<<<<<<< HEAD\n    - image: ${REPO}:1\n=======\n    - image: ${REPO}:2\n>>>>>>> other\n`;
    await expectRefused('k8s/pod.yaml', conflicted, 'CONFLICT_MARKERS', '4:1');
  });

  it('places a YAML error at the bracket left open, not at the end of the file', async () => {
    const broken = `a: 1\nb: 2\nc: 3\nimage: [${REPO}:1.0\n\n`;
    const { repo } = await repoWith({
      '.nixtagrc.yaml': `${CONFIG}    manifests: ["k8s/*.yaml"]\n`,
      'k8s/broken.yaml': broken,
    });
    const run = await nixtag(repo.dir, ['check']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('at k8s/broken.yaml:4:8');
    expect(run.stderr).not.toMatch(/at line \d+, column \d+:\)/);
  });
});
