import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { statePaths } from '../../src/state/paths.js';
import { nixtag } from '../helpers/inProcess.js';
import { plainImage } from '../helpers/expressions.js';
import { gitRepo, tempDir, type TestRepo } from '../helpers/repo.js';

/*
 * Every tracked path that can be, or lead to, a place where cosmiconfig looks for nixtag's
 * configuration (a symlink at a search place or on the way to one, what it leads to, a
 * submodule at `.config`) is an input of the last judgement or refused: a change there is
 * judged again by the idle hook, `hook pre-commit` and `check`, which then agree with a run
 * without the cache (CI's fresh clone). Each case starts from a judgement of a tree where only
 * the app's reference is managed (no configuration: its tag is a Nix hash) and then makes a
 * change that, through a link or a submodule, configures the worker image too, whose reference
 * is stale.
 */

const images = (...names: string[]) =>
  `images:\n${names.map((name) => `  - { name: ${name}, nix: ${name === 'app' ? 'default.nix' : `${name}.nix`}, repository: registry.example.com/team/${name} }\n`).join('')}`;
/** A configuration that manages the worker too: its reference (`:v1`) is stale. */
const BOTH = images('app', 'worker');
/** BOTH as JSON. */
const BOTH_JSON = {
  images: ['app', 'worker'].map((name) => ({
    name,
    nix: name === 'app' ? 'default.nix' : `${name}.nix`,
    repository: `registry.example.com/team/${name}`,
  })),
};
/** One that manages the app alone: nothing is stale. */
const APP = images('app');

const pod = (appTag: string) => `apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
    - name: app
      image: registry.example.com/team/app:${appTag}
    - name: worker
      image: registry.example.com/team/worker:v1
`;

const link = (repo: TestRepo, target: string, at: string) => {
  mkdirSync(path.dirname(path.join(repo.dir, at)), { recursive: true });
  symlinkSync(target, path.join(repo.dir, at));
};
const relink = (repo: TestRepo, target: string, at: string) => {
  rmSync(path.join(repo.dir, at));
  link(repo, target, at);
};

/**
 * `.config` as a submodule at a commit with no configuration; its next commit (returned) holds
 * one. Both are in the submodule's clone, as after a fetch.
 */
function submoduleAtConfig(repo: TestRepo): string {
  const source = gitRepo({ 'README.md': 'settings\n' }, 'settings');
  const first = source.git('rev-parse', 'HEAD').trim();
  source.write({ 'nixtagrc.yaml': BOTH });
  source.commit('configure');
  repo.git('-c', 'protocol.file.allow=always', 'submodule', '--quiet', 'add', source.dir, '.config');
  repo.git('-C', '.config', 'checkout', '--quiet', first);
  return source.git('rev-parse', 'HEAD').trim();
}

interface Case {
  name: string;
  /** Laid out before the judgement (committed). */
  setup: (repo: TestRepo) => void;
  /** The change the judgement must not answer for (staged). */
  change: (repo: TestRepo) => void;
  /** What a run without the cache says of the changed tree: 1 (the worker is stale) or 2 (refused). */
  code: 1 | 2;
  /** A path lint-staged would pass for the change. */
  given?: string;
}

const CASES: Case[] = [
  {
    name: 'a configuration added behind a linked .config',
    setup: (repo) => {
      repo.write({ 'conf/README.md': 'settings\n' });
      link(repo, 'conf', '.config');
    },
    change: (repo) => repo.write({ 'conf/nixtagrc': BOTH }),
    code: 1,
    given: 'conf/nixtagrc',
  },
  {
    name: 'a configuration added where a dangling .config link leads',
    setup: (repo) => link(repo, 'conf', '.config'),
    // Not YAML, which every change to would be judged again in the default manifest set.
    change: (repo) => repo.write({ 'conf/nixtagrc.json': JSON.stringify(BOTH_JSON) }),
    code: 1,
    given: 'conf/nixtagrc.json',
  },
  {
    name: 'a linked .config added with the configuration it holds',
    setup: () => undefined,
    change: (repo) => {
      repo.write({ 'conf/nixtagrc.json': JSON.stringify(BOTH_JSON) });
      link(repo, 'conf', '.config');
    },
    code: 1,
  },
  {
    name: 'a linked .config retargeted to a directory holding a configuration',
    setup: (repo) => {
      repo.write({ 'conf/README.md': 'settings\n', 'conf2/nixtagrc.yaml': BOTH });
      link(repo, 'conf', '.config');
    },
    change: (repo) => relink(repo, 'conf2', '.config'),
    code: 1,
  },
  {
    name: 'a .config linked to the root, which then holds nixtagrc',
    setup: (repo) => link(repo, '.', '.config'),
    change: (repo) => repo.write({ nixtagrc: BOTH }),
    code: 1,
    given: 'nixtagrc',
  },
  {
    name: 'a misspelt configuration behind a linked .config (refused)',
    setup: (repo) => {
      repo.write({ 'conf/README.md': 'settings\n' });
      link(repo, 'conf', '.config');
    },
    change: (repo) => repo.write({ 'conf/nixtagrc.ymal': BOTH }),
    code: 2,
    given: 'conf/nixtagrc.ymal',
  },
  {
    name: 'an empty rc file behind a symlink, filled',
    setup: (repo) => {
      repo.write({ 'conf/rc': '' });
      link(repo, 'conf/rc', '.nixtagrc');
    },
    change: (repo) => repo.write({ 'conf/rc': BOTH }),
    code: 1,
    given: 'conf/rc',
  },
  {
    name: 'an empty .config/nixtagrc behind a symlink, filled',
    setup: (repo) => {
      repo.write({ 'conf/rc': '' });
      link(repo, '../conf/rc', '.config/nixtagrc');
    },
    change: (repo) => repo.write({ 'conf/rc': BOTH }),
    code: 1,
    given: 'conf/rc',
  },
  {
    name: 'a linked package.json given a nixtag key',
    setup: (repo) => {
      repo.write({ 'conf/pkg.json': '{ "name": "app", "private": true }\n' });
      link(repo, 'conf/pkg.json', 'package.json');
    },
    change: (repo) => repo.write({ 'conf/pkg.json': JSON.stringify({ name: 'app', nixtag: { $import: 'v2.yaml' } }) }),
    code: 1,
    given: 'conf/pkg.json',
  },
  {
    name: 'an empty .nixtagrc behind a symlink, ahead of .nixtagrc.yaml in the search, filled (refused: two configurations, CONFIG_TWICE)',
    setup: (repo) => {
      repo.write({ '.nixtagrc.yaml': APP, 'conf/rc': '' });
      link(repo, 'conf/rc', '.nixtagrc');
    },
    change: (repo) => repo.write({ 'conf/rc': BOTH }),
    code: 2,
    given: 'conf/rc',
  },
  {
    name: 'a linked package.json, ahead of .nixtagrc.yaml in the search, given a nixtag key (refused: two configurations, CONFIG_TWICE)',
    setup: (repo) => {
      repo.write({ '.nixtagrc.yaml': APP, 'conf/pkg.json': '{ "name": "app", "private": true }\n' });
      link(repo, 'conf/pkg.json', 'package.json');
    },
    change: (repo) => repo.write({ 'conf/pkg.json': JSON.stringify({ name: 'app', nixtag: BOTH_JSON }) }),
    code: 2,
    given: 'conf/pkg.json',
  },
  {
    name: 'a linked package.json given a misspelt key (refused)',
    setup: (repo) => {
      repo.write({ 'conf/pkg.json': '{ "name": "app", "private": true }\n' });
      link(repo, 'conf/pkg.json', 'package.json');
    },
    change: (repo) => repo.write({ 'conf/pkg.json': '{ "name": "app", "nixTag": {} }\n' }),
    code: 2,
  },
  {
    // These two are judged again by a rule of their own as well: a symlink among the files the
    // configuration is read from makes every tracked file an input (nix/source/inputs.ts).
    name: "the middle link of a configuration's chain retargeted",
    setup: (repo) => {
      repo.write({ 'conf/app.yaml': APP, 'conf/both.yaml': BOTH });
      link(repo, 'conf/app.yaml', 'current');
      link(repo, 'current', '.nixtagrc.yaml');
    },
    change: (repo) => relink(repo, 'conf/both.yaml', 'current'),
    code: 1,
    given: 'current',
  },
  {
    name: 'a link in the middle of the way to an import retargeted',
    setup: (repo) => {
      repo.write({ '.nixtagrc.yaml': '$import: lib/images.yaml\n', 'v1/images.yaml': APP, 'v2/images.yaml': BOTH });
      link(repo, 'v1', 'mid');
      link(repo, 'mid', 'lib');
    },
    change: (repo) => relink(repo, 'v2', 'mid'),
    code: 1,
    given: 'mid',
  },
  {
    name: 'a .config submodule moved to a commit holding a configuration',
    setup: (repo) => repo.write({ 'later.txt': submoduleAtConfig(repo) }),
    change: (repo) => repo.git('-C', '.config', 'checkout', '--quiet', repo.read('later.txt')),
    code: 1,
  },
];

const QUESTIONS = [['hook', 'pre-commit'], ['check', '--staged'], ['check']];

describe('symlinks and submodules on the way to the configuration', () => {
  for (const testCase of CASES) {
    it(`${testCase.name}: judged again, as a run without the cache judges it`, async () => {
      const repo = gitRepo({
        'default.nix': plainImage,
        'worker.nix': plainImage.replace('echo image', 'echo worker'),
        // Not a manifest: no reference in it. What package.json imports below.
        'v2.yaml': BOTH,
        'k8s/app.yaml': pod('0000000000000000000000000000000a'),
      });
      testCase.setup(repo);
      repo.commit('layout');
      // No configuration yet (or one managing the app alone): the app's tag is made current.
      expect((await nixtag(repo.dir, ['fix'])).code).toBe(0);
      repo.commit('current tag');
      expect((await nixtag(repo.dir, ['check'])).code).toBe(0);
      expect((await nixtag(repo.dir, ['hook', 'pre-commit'])).code).toBe(0);
      const judgement = statePaths(path.join(repo.dir, '.git')).judgement;
      const judged = readFileSync(judgement, 'utf8');

      testCase.change(repo);
      repo.git('add', '--all');
      const oracle = await nixtag(repo.dir, ['check', '--staged', '--no-cache']);
      expect(oracle.code, oracle.stdout + oracle.stderr).toBe(testCase.code);
      const given = testCase.given === undefined ? [] : [['check', '--staged', testCase.given]];
      for (const args of [...QUESTIONS, ...given]) {
        writeFileSync(judgement, judged); // each question answered from the judgement before the change
        const result = await nixtag(repo.dir, args);
        expect(result.code, `${args.join(' ')}: ${result.stdout}${result.stderr}`).toBe(testCase.code);
        if (testCase.code === 1) expect(result.stdout).toContain('stale reference to worker');
        else expect(result.stderr).toMatch(/\[CONFIG_(INVALID|TWICE)\]/);
      }
    });
  }

  it('refuses a symlink on the way to a search place that leaves the repository or names an absolute path', async () => {
    const outside = tempDir('shared-');
    writeFileSync(path.join(outside, 'nixtagrc.yaml'), BOTH);
    for (const kind of ['absolute', 'relative', 'dangling']) {
      const repo = gitRepo({ 'default.nix': plainImage, 'k8s/app.yaml': pod('0000000000000000000000000000000a') });
      const target = kind === 'absolute' ? outside : kind === 'relative' ? path.relative(repo.dir, outside) : '../gone';
      link(repo, target, '.config');
      repo.git('add', '--all');
      for (const args of QUESTIONS) {
        const result = await nixtag(repo.dir, args);
        expect(result.code, `${target}: ${args.join(' ')}: ${result.stderr}`).toBe(2);
        expect(result.stderr).toContain('error [CONFIG_INVALID]: .config is a symlink');
        expect(result.stderr).not.toContain(outside);
      }
    }
  });

  it('does not refuse a symlink git does not track on the way to a search place: CI’s clone has none', async () => {
    const outside = tempDir('home-');
    writeFileSync(path.join(outside, 'nixtagrc.yaml'), BOTH);
    for (const [at, kind] of [
      ['.config', 'absolute'], // a developer's local link to their own directory
      ['.config', 'relative'], // out of the repository
      ['.config', 'dangling'],
      ['.nixtagrc.yml', 'dangling'], // at a search place itself
    ] as const) {
      const repo = gitRepo({
        'default.nix': plainImage,
        '.nixtagrc.yaml': APP,
        'k8s/app.yaml': pod('0000000000000000000000000000000a'),
      });
      expect((await nixtag(repo.dir, ['fix'])).code).toBe(0);
      repo.commit('current tag');
      const target =
        kind === 'absolute'
          ? outside
          : kind === 'relative'
            ? path.relative(repo.dir, outside)
            : path.join(outside, 'gone', at === '.config' ? '' : 'rc.yaml');
      link(repo, target, at);
      expect(repo.git('status', '--porcelain').trim()).toBe(`?? ${at}`);
      for (const args of [['check'], ['check', '--no-cache'], ...QUESTIONS]) {
        const result = await nixtag(repo.dir, args);
        expect(result.code, `${at} -> ${target}: ${args.join(' ')}: ${result.stderr}`).toBe(0);
        expect(result.stderr).toBe('');
      }
      // Tracked, CI's clone has the link: refused.
      repo.git('add', '--all');
      for (const args of QUESTIONS) {
        const result = await nixtag(repo.dir, args);
        expect(result.code, `${at} tracked: ${args.join(' ')}`).toBe(2);
        expect(result.stderr).toContain('error [CONFIG_INVALID]');
        expect(result.stderr).toContain(`${at} is a symlink`);
      }
    }
  });

  it('refuses an import read through a linked directory outside the repository', async () => {
    const outside = tempDir('shared-');
    writeFileSync(path.join(outside, 'images.yaml'), BOTH);
    const repo = gitRepo({
      'default.nix': plainImage,
      '.nixtagrc.yaml': '$import: lib/images.yaml\n',
      'k8s/app.yaml': pod('0000000000000000000000000000000a'),
    });
    link(repo, outside, 'lib');
    repo.git('add', '--all');
    const result = await nixtag(repo.dir, ['check', '--staged']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error [CONFIG_INVALID]: lib is a symlink to an absolute path');
  });
});
