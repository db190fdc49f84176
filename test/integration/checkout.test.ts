import { existsSync, chmodSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRepository } from '../../src/git/repository.js';
import { judgedTree } from '../../src/tree/judgedTree.js';
import { freshenIndex } from '../../src/tree/checkoutRepository.js';
import { materializeTree } from '../../src/tree/checkout.js';
import { gitRepo } from '../helpers/repo.js';
import { archived, describeTree } from '../helpers/trees.js';

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
    const status = (dir: string) => repo.git('-C', dir, 'status', '--porcelain');
    const check = async (indexWanted = true) => {
      const { dir } = await materializeTree(repository, judgedTree(repository, { kind: 'rev', rev: 'HEAD' }), {
        checkoutName: 'source',
        submodules: true,
      });
      expect(path.basename(dir)).toBe('source');
      // The checkout records its tree, so the next one starts from it instead of from scratch.
      expect(readFileSync(path.join(path.dirname(dir), 'source.tree'), 'utf8').split('\n')[0]).toBe(tree());
      // It is a clean git repository whose HEAD is the judged commit.
      expect(readFileSync(path.join(dir, '.git', 'HEAD'), 'utf8').trim()).toBe(repo.git('rev-parse', 'HEAD').trim());
      // Where an evaluation read git, the index follows each update; elsewhere it is brought in step
      // when one first does (see freshenIndex).
      if (indexWanted) expect(status(dir)).toBe('');
      expect(await freshenIndex(dir)).toBe(!indexWanted);
      expect(status(dir)).toBe('');
      expect(existsSync(path.join(path.dirname(dir), 'source.updating'))).toBe(false);
      expect(describeTree(dir)).toEqual(archived(repo.dir, tree()));
      return dir;
    };
    const first = await check();
    rmSync(`${first}.reads-git`); // as if no evaluation had read git yet

    repo.write({ 'a.txt': 'a2\n', 'new/e.txt': 'e\n' });
    rmSync(path.join(repo.dir, 'dir/deep'), { recursive: true });
    rmSync(path.join(repo.dir, 'becomes-dir'));
    repo.write({ 'becomes-dir/inside.txt': 'now a directory\n' });
    chmodSync(path.join(repo.dir, 'run.sh'), 0o755);
    symlinkSync('a.txt', path.join(repo.dir, 'link'));
    repo.commit('many changes');
    await check(false);

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
