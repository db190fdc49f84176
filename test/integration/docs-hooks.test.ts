import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { markedBlock } from '../helpers/docs.js';
import { deployment, plainImage } from '../helpers/expressions.js';
import { nixtag } from '../helpers/inProcess.js';
import { gitRepo } from '../helpers/repo.js';

// docs/hooks.md shows each manager's settings once: they must be what `nixtag init --install` writes.
describe('docs/hooks.md', () => {
  it.each([
    ['lefthook', 'lefthook.yml', 'pre-commit:\n  commands: {}\n'],
    ['pre-commit', '.pre-commit-config.yaml', 'repos: []\n'],
  ])('%s: the entries shown are the ones `nixtag init --install` writes', async (manager, file, starter) => {
    const repo = gitRepo({
      'default.nix': plainImage,
      'k8s/app.yaml': deployment('registry.example.com/team/app:v1'),
      [file]: starter,
    });
    const installed = await nixtag(repo.dir, ['init', '--install']);
    expect(installed.code, installed.stderr).toBe(0);
    expect(parse(repo.read(file))).toEqual(parse(markedBlock('docs/hooks.md', `init-install:${manager}`, 'yaml')));
  });
});
