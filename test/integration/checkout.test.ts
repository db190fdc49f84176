import { execFileSync } from 'node:child_process';
import {
  existsSync,
  chmodSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRepository } from '../../src/git/repository.js';
import { judgedTree } from '../../src/git/source.js';
import { materializeTree, settleCheckouts } from '../../src/git/tree.js';
import { gitRepo, tempDir, testEnv } from '../helpers/repo.js';

/** Every file under a directory: path, kind, mode bit and content, for exact comparison. */
function describeTree(root: string, prefix = ''): string[] {
  return readdirSync(path.join(root, prefix))
    .sort()
    .flatMap((name) => {
      const relative = prefix ? `${prefix}/${name}` : name;
      const file = path.join(root, relative);
      const stat = lstatSync(file);
      if (stat.isSymbolicLink()) return [`${relative} -> ${readlinkSync(file)}`];
      if (stat.isDirectory()) return describeTree(root, relative);
      return [`${relative} ${stat.mode & 0o111 ? 'x' : '-'} ${readFileSync(file, 'utf8')}`];
    });
}

/** The tree as git itself extracts it. */
function expected(dir: string, tree: string): string[] {
  const out = path.join(tempDir('expected-'), 'x');
  mkdirSync(out);
  execFileSync('sh', ['-c', `git -C "${dir}" archive ${tree} | tar -x -C "${out}"`], { env: testEnv() });
  return describeTree(out);
}

describe('the incremental checkout', () => {
  it('equals the tree after every kind of change, and after an interrupted update', async () => {
    const repo = gitRepo({
      'a.txt': 'a\n',
      'dir/b.txt': 'b\n',
      'dir/deep/c.txt': 'c\n',
      'becomes-dir': 'file\n',
      'run.sh': 'echo\n',
    });
    const repository = await openRepository(repo.dir);
    const tree = () => repo.git('rev-parse', 'HEAD^{tree}').trim();
    const check = async () => {
      const dir = await materializeTree(repository, judgedTree(repository, { kind: 'rev', rev: 'HEAD' }), 'source');
      await settleCheckouts(); // as a session does before letting go of the lock
      expect(path.basename(dir)).toBe('source');
      // The checkout records its tree, so the next one starts from it instead of from scratch.
      expect(readFileSync(path.join(path.dirname(dir), 'source.tree'), 'utf8')).toBe(tree());
      expect(existsSync(path.join(path.dirname(dir), 'source.updating'))).toBe(false);
      expect(describeTree(dir)).toEqual(expected(repo.dir, tree()));
      return dir;
    };
    await check();

    repo.write({ 'a.txt': 'a2\n', 'new/e.txt': 'e\n' });
    rmSync(path.join(repo.dir, 'dir/deep'), { recursive: true });
    rmSync(path.join(repo.dir, 'becomes-dir'));
    repo.write({ 'becomes-dir/inside.txt': 'now a directory\n' });
    chmodSync(path.join(repo.dir, 'run.sh'), 0o755);
    symlinkSync('a.txt', path.join(repo.dir, 'link'));
    repo.commit('many changes');
    await check();

    // Packed objects are read through git, loose ones directly: both kinds must check out alike.
    repo.git('repack', '-a', '-d', '-q');
    repo.git('prune-packed');
    rmSync(path.join(repo.dir, 'becomes-dir'), { recursive: true });
    writeFileSync(path.join(repo.dir, 'becomes-dir'), 'a file again\n');
    rmSync(path.join(repo.dir, 'link'));
    writeFileSync(path.join(repo.dir, 'link'), 'no longer a link\n');
    repo.commit('types change back');
    const dir = await check();

    // An update that was interrupted leaves its marker: the next checkout starts over, whatever
    // the directory holds.
    writeFileSync(path.join(dir, 'a.txt'), 'half-written\n');
    writeFileSync(path.join(dir, 'stray.txt'), 'left by a crash\n');
    writeFileSync(path.join(path.dirname(dir), 'source.updating'), 'x');
    await check();
  });
});
