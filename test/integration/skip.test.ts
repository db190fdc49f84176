import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRepository } from '../../src/git/repository.js';
import { skipAnswer, type SkipQuestion } from '../../src/skip/decide.js';
import { idleAnswer } from '../../src/skip/idle.js';
import { lastJudgement } from '../../src/skip/lastJudgement.js';
import { repositoryContext } from '../../src/skip/repositoryContext.js';
import { runEnvironment } from '../../src/state/environment.js';
import { recordJudgement } from '../../src/state/judgements.js';
import { statePaths } from '../../src/state/paths.js';
import { gitRepo, type TestRepo } from '../helpers/repo.js';

/*
 * The skip decision (src/skip/), driven in-process on real repositories: every kind of question
 * nixtag asks it, against every kind of change since the last judgement. Each answer is the one
 * a full run would agree with: "good" and "nothing-to-do" end the run with exit 0, "judge" and
 * "unsure" leave it to the full run.
 */

/** What a run needs the judgement for: the CLI's idle answer, a hook, a full run's PATH narrowing. */
type Kind =
  | 'idle: hook pre-commit'
  | 'idle: check --staged PATH'
  | 'idle: check PATH'
  | 'hook pre-commit'
  | 'hook pre-push'
  | 'full run: check --staged PATH';

const ENVIRONMENT = runEnvironment(undefined);

/** How each kind asks, as its caller does (bin.ts, engine/hook.ts, engine/narrow.ts). */
async function ask(kind: Kind, repo: TestRepo, paths: string[]): Promise<string> {
  if (kind.startsWith('idle: ')) {
    const argv = kind
      .slice('idle: '.length)
      .split(' ')
      .filter((arg) => arg !== 'PATH');
    return (await idleAnswer([...argv, ...(argv[0] === 'check' ? paths : [])], repo.dir))?.kind ?? 'not asked';
  }
  const repository = await openRepository(repo.dir);
  const judgement = () => lastJudgement(repository.gitDir, ENVIRONMENT);
  if (kind === 'hook pre-commit') {
    const question: SkipQuestion = { source: { kind: 'index' }, paths: [], acceptsGood: true };
    return (await skipAnswer(question, repositoryContext(repository, { judgement }))).kind;
  }
  if (kind === 'hook pre-push') {
    repo.git('commit', '--quiet', '--allow-empty', '-m', 'pushed');
    const rev = repo.git('rev-parse', 'HEAD').trim();
    const question: SkipQuestion = { source: { kind: 'rev', rev }, paths: [], acceptsGood: true };
    return (await skipAnswer(question, repositoryContext(repository, { judgement }))).kind;
  }
  // A full run knows its tree's id: a judgement of that very tree is not diffed again.
  const question: SkipQuestion = { source: { kind: 'index' }, paths, acceptsGood: false };
  return (await skipAnswer(question, repositoryContext(repository, { judgement, treeId: indexTree(repo) }))).kind;
}

/** The tree git would commit now. */
const indexTree = (repo: TestRepo) => repo.git('write-tree').trim();

/** Remembers a verdict on `tree` (by default, the index's now), as inspect.ts does after a run. */
function judge(
  repo: TestRepo,
  ok: boolean,
  options: { tree?: string; environment?: string; globs?: readonly string[] } = {},
): void {
  recordJudgement(`${repo.dir}/.git`, {
    environment: options.environment ?? ENVIRONMENT!,
    tree: options.tree ?? indexTree(repo),
    ok,
    references: 1,
    inputs: { paths: ['default.nix', 'src', 'vendor/lib'] },
    manifests: ['deploy.yaml'],
    mentions: ['registry.example/app'],
    ...(options.globs === undefined ? {} : { globs: [...options.globs], defaultSet: false }),
  });
}

/** A repository judged at its first commit: an image built from src/, a submodule, a manifest. */
function judgedRepo(ok: boolean): TestRepo {
  const repo = gitRepo({
    'default.nix': 'import ./src\n',
    'src/default.nix': '{}\n',
    'src/extra.nix': '{}\n',
    'README.md': 'readme\n',
    'docs/guide.md': 'guide\n',
    'deploy.yaml': 'image: registry.example/app:x\n',
    '.gitmodules': '[submodule "lib"]\n\tpath = vendor/lib\n\turl = ./lib\n\tignore = all\n',
  });
  // A submodule the user's configuration ignores: CI's clone checks out its recorded commit anyway.
  repo.git('update-index', '--add', '--cacheinfo', `160000,${repo.git('rev-parse', 'HEAD').trim()},vendor/lib`);
  repo.git('config', 'submodule.lib.ignore', 'all');
  mkdirSync(path.join(repo.dir, 'vendor/lib'), { recursive: true }); // not checked out, as after a plain clone
  repo.git('commit', '--quiet', '-m', 'submodule');
  judge(repo, ok);
  return repo;
}

/** Edits and stages the same change, so the index and the working tree agree. */
function stage(repo: TestRepo, files: Record<string, string>): void {
  repo.write(files);
  repo.git('add', '--', ...Object.keys(files));
}

interface Case {
  name: string;
  /** The last verdict, up to date or not (ignored where `setup` makes its own). */
  ok: boolean;
  setup: (repo: TestRepo) => void;
  /** PATH arguments of the kinds that take them (lint-staged's). */
  paths?: string[];
  expected: Partial<Record<Kind, string>>;
}

const ALL_KINDS: Kind[] = [
  'idle: hook pre-commit',
  'idle: check --staged PATH',
  'idle: check PATH',
  'hook pre-commit',
  'full run: check --staged PATH',
  'hook pre-push', // last: it commits
];

/** The same answer from every kind of question. */
const every = (answer: string): Partial<Record<Kind, string>> =>
  Object.fromEntries(ALL_KINDS.map((kind) => [kind, answer]));

const CASES: Case[] = [
  {
    name: 'a change that cannot matter, after an up-to-date verdict',
    ok: true,
    setup: (repo) => stage(repo, { 'README.md': 'more\n' }),
    // A full run lists references: it takes only "nothing to do".
    expected: { ...every('good'), 'full run: check --staged PATH': 'nothing-to-do' },
  },
  {
    name: 'a change that cannot matter, after a stale verdict',
    ok: false,
    setup: (repo) => stage(repo, { 'README.md': 'more\n' }),
    expected: {
      ...every('judge'),
      'idle: check --staged PATH': 'nothing-to-do',
      'idle: check PATH': 'nothing-to-do',
      'full run: check --staged PATH': 'nothing-to-do',
    },
  },
  {
    name: 'an input edited (the path given is elsewhere)',
    ok: true,
    setup: (repo) => stage(repo, { 'src/default.nix': '{ v = 2; }\n', 'README.md': 'more\n' }),
    expected: every('judge'),
  },
  {
    name: 'a manifest edited',
    ok: true,
    setup: (repo) => stage(repo, { 'deploy.yaml': 'image: registry.example/app:y\n' }),
    paths: ['deploy.yaml'],
    expected: every('judge'),
  },
  {
    name: 'an input deleted since HEAD in a tree already judged stale (lint-staged never passes it)',
    ok: false,
    setup: (repo) => {
      repo.git('rm', '--quiet', 'src/extra.nix');
      stage(repo, { 'README.md': 'more\n' });
      judge(repo, false); // lint-staged's first chunk judged this very tree
    },
    expected: every('judge'),
  },
  {
    name: 'an input deleted from the working tree only (check PATH)',
    ok: false,
    setup: (repo) => {
      // The judgement is of the working tree: README edited, src/extra.nix gone.
      repo.git('rm', '--quiet', 'src/extra.nix');
      stage(repo, { 'README.md': 'more\n' });
      judge(repo, false);
      repo.git('reset', '--quiet', '--', 'src/extra.nix', 'README.md'); // the index is HEAD's again
    },
    expected: { 'idle: check PATH': 'judge' },
  },
  {
    name: 'a PATH argument that is not there, nothing changed, after an up-to-date verdict',
    ok: true,
    setup: () => undefined,
    paths: ['README.md', 'gone.yaml'],
    expected: {
      ...every('good'),
      // The full run refuses it (PATH_NOT_FOUND, exit 2): never "good" or "nothing to do".
      'idle: check --staged PATH': 'unsure',
      'idle: check PATH': 'unsure',
      'full run: check --staged PATH': 'unsure',
    },
  },
  {
    name: 'a PATH argument that is not there, after a stale verdict',
    ok: false,
    setup: () => undefined,
    paths: ['gone.yaml'],
    expected: {
      ...every('judge'),
      'idle: check --staged PATH': 'unsure',
      'idle: check PATH': 'unsure',
      'full run: check --staged PATH': 'unsure',
    },
  },
  {
    name: 'a PATH argument git does not track, nothing changed, after an up-to-date verdict',
    ok: true,
    setup: (repo) => repo.write({ 'notes.yaml': 'image: registry.example/app:x\n' }),
    paths: ['notes.yaml'],
    expected: {
      ...every('good'),
      // The full run refuses it (PATH_NOT_TRACKED, exit 2): never "good" or "nothing to do".
      'idle: check --staged PATH': 'unsure',
      'idle: check PATH': 'unsure',
      'full run: check --staged PATH': 'unsure',
    },
  },
  {
    name: 'a directory git does not track, after an up-to-date verdict',
    ok: true,
    setup: (repo) => repo.write({ 'scratch/a.txt': 'x\n' }),
    paths: ['scratch'],
    expected: {
      ...every('good'),
      'idle: check --staged PATH': 'unsure',
      'idle: check PATH': 'unsure',
      'full run: check --staged PATH': 'judge',
    },
  },
  {
    name: 'a directory argument after a stale verdict (it may hold anything)',
    ok: false,
    setup: () => undefined,
    paths: ['docs'],
    expected: every('judge'),
  },
  {
    name: 'a directory argument after an up-to-date verdict',
    ok: true,
    setup: () => undefined,
    paths: ['docs'],
    expected: { ...every('good'), 'full run: check --staged PATH': 'judge' },
  },
  {
    name: 'a PATH outside the repository after a stale verdict',
    ok: false,
    setup: (repo) => writeFileSync(path.join(repo.dir, '../outside.txt'), 'x\n'),
    paths: ['../outside.txt'],
    expected: {
      ...every('judge'),
      // The full run refuses it (PATH_OUTSIDE_REPOSITORY, exit 2): never "nothing to do".
      'idle: check --staged PATH': 'unsure',
      'idle: check PATH': 'unsure',
      'full run: check --staged PATH': 'unsure',
    },
  },
  {
    name: 'a kustomization added outside the globs (every run reads each one: what it pulls in, what its patches set)',
    ok: true,
    setup: (repo) => {
      judge(repo, true, { globs: ['k8s/**'] });
      stage(repo, { 'overlays/prod/kustomization.yaml': 'resources: [../../k8s]\n' });
    },
    paths: ['overlays/prod/kustomization.yaml'],
    expected: every('judge'),
  },
  ...(
    [
      ['a YAML file outside the globs', 'clusters/app.yaml', { globs: ['k8s/**'] }],
      ['a JSON file in the default set', 'clusters/app.json', {}],
    ] as const
  ).flatMap(([where, file, options]): Case[] => [
    {
      // It may be a kustomization whose patch sets the image (a Flux Kustomization's): a run refuses it.
      name: `${where} that names a managed repository (any case)`,
      ok: true,
      setup: (repo) => {
        judge(repo, true, options);
        stage(repo, {
          [file]: 'spec:\n  patches:\n    - patch: "value: Registry.Example/App:v0"\n',
          'README.md': 'x\n',
        });
      },
      paths: [file],
      expected: every('judge'),
    },
    {
      name: `${where} that names no managed repository`,
      ok: true,
      setup: (repo) => {
        judge(repo, true, options);
        stage(repo, { [file]: 'spec:\n  patches:\n    - patch: "value: registry.example/web:v0"\n' });
      },
      paths: [file],
      expected: { ...every('good'), 'full run: check --staged PATH': 'nothing-to-do' },
    },
  ]),
  {
    name: 'a submodule that moved, though configured ignore = all',
    ok: true,
    setup: (repo) => {
      const other = repo.git('rev-parse', 'HEAD').trim(); // it recorded HEAD~1
      repo.git('update-index', '--cacheinfo', `160000,${other},vendor/lib`);
    },
    expected: every('judge'),
  },
  {
    name: 'a configuration file added',
    ok: true,
    setup: (repo) => stage(repo, { '.nixtagrc.yaml': 'system: aarch64-linux\n' }),
    expected: every('judge'),
  },
  {
    name: 'another run environment (nixtag, Nix or --config changed)',
    ok: true,
    setup: (repo) => judge(repo, true, { environment: `${ENVIRONMENT}, another Nix` }),
    expected: every('judge'),
  },
  {
    name: 'no judgement',
    ok: true,
    setup: (repo) => rmSync(statePaths(`${repo.dir}/.git`).judgement),
    expected: every('judge'),
  },
  {
    name: 'a damaged judgement',
    ok: true,
    setup: (repo) => writeFileSync(statePaths(`${repo.dir}/.git`).judgement, '{"tree": "x", "ok": true}'),
    expected: every('judge'),
  },
  {
    name: 'a judgement of a tree git does not have',
    ok: true,
    setup: (repo) => judge(repo, true, { tree: '0123456789abcdef0123456789abcdef01234567' }),
    expected: every('unsure'),
  },
];

describe('the skip decision', () => {
  it('knows its run environment (Nix is on PATH)', () => {
    expect(ENVIRONMENT).toBeDefined();
  });

  for (const testCase of CASES) {
    it(testCase.name, async () => {
      const repo = judgedRepo(testCase.ok);
      testCase.setup(repo);
      const answers: Partial<Record<Kind, string>> = {};
      for (const kind of ALL_KINDS) {
        if (testCase.expected[kind] !== undefined)
          answers[kind] = await ask(kind, repo, testCase.paths ?? ['README.md']);
      }
      expect(answers).toEqual(testCase.expected);
    });
  }

  it('answers with no PATH narrowing before the first commit (no HEAD)', async () => {
    const repo = gitRepo();
    stage(repo, { 'default.nix': '{}\n', 'README.md': 'readme\n' });
    judge(repo, false);
    expect(await ask('idle: check --staged PATH', repo, ['README.md'])).toBe('unsure');
    expect(await ask('full run: check --staged PATH', repo, ['README.md'])).toBe('unsure');
    expect(await ask('idle: hook pre-commit', repo, [])).toBe('judge');
    judge(repo, true);
    expect(await ask('idle: check --staged PATH', repo, ['README.md'])).toBe('good');
  });

  it('asks git once for an idle hook (and whether it tracks the paths lint-staged gives), and not at all where nothing can answer', async () => {
    const repo = judgedRepo(true);
    stage(repo, { 'README.md': 'more\n' });
    const repository = await openRepository(repo.dir);
    const counted = async (question: SkipQuestion, treeId?: string) => {
      const calls: string[] = [];
      const judgement = () => lastJudgement(repository.gitDir, ENVIRONMENT);
      const context = repositoryContext(repository, { judgement, treeId });
      const git = (args: readonly string[]) => {
        calls.push(args.join(' '));
        return context.git(args);
      };
      return { answer: (await skipAnswer(question, { ...context, git })).kind, calls };
    };
    const index = { kind: 'index' } as const;
    const diff = expect.stringMatching(/^diff-index --cached --ignore-submodules=none .*--name-only -z [0-9a-f]{40}$/);
    const deletions = expect.stringMatching(/^diff-index --cached .*--diff-filter=D HEAD --$/);
    // The idle hook, and a hook that is not idle: one diff.
    expect(await counted({ source: index, paths: [], acceptsGood: true })).toEqual({ answer: 'good', calls: [diff] });
    // lint-staged on a judged tree: the same diff, and beside it whether git tracks the paths; what
    // was deleted since HEAD cannot change "good".
    const tracked = 'ls-files -z --error-unmatch -- :(literal)README.md';
    expect(await counted({ source: index, paths: ['README.md'], acceptsGood: true })).toEqual({
      answer: 'good',
      calls: [tracked, diff],
    });
    // A full run on the very tree judged: no diff, and the deletions, which could make it exit 0.
    judge(repo, true);
    expect(await counted({ source: index, paths: ['README.md'], acceptsGood: false }, indexTree(repo))).toEqual({
      answer: 'nothing-to-do',
      calls: [tracked, deletions],
    });
    // A stale verdict and no PATH: nothing can answer, git is not asked.
    judge(repo, false);
    expect(await counted({ source: index, paths: [], acceptsGood: true })).toEqual({ answer: 'judge', calls: [] });
  });
});
