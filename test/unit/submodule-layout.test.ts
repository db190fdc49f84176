import { describe, expect, it } from 'vitest';
import { parseGitmodules } from '../../src/tree/gitmodules.js';
import { submoduleLayout } from '../../src/tree/submoduleLayout.js';

/** `git config --null --list` of a `.gitmodules`: `key\nvalue` records, or a bare key. */
const listed = (...records: string[]) => records.map((record) => `${record}\0`).join('');

describe("a gitlink laid out as CI's git clone --recurse-submodules lays it out", () => {
  const lib = ['submodule.lib.path\nlib', 'submodule.lib.url\n../lib.git'];

  it('checks out a submodule a section names with a URL, whatever its update mode but none', () => {
    for (const update of [
      [],
      ['submodule.lib.update\ncheckout'],
      ['submodule.lib.update\nrebase'],
      ['submodule.lib.update\nmerge'],
    ]) {
      expect(submoduleLayout(parseGitmodules(listed(...lib, ...update)), 'lib', false)).toEqual({
        kind: 'checkout',
        name: 'lib',
      });
    }
    // branch, shallow, ignore, active: the same commit, the same files.
    const others = [
      'submodule.lib.branch\nnope',
      'submodule.lib.shallow\ntrue',
      'submodule.lib.ignore\nall',
      'submodule.lib.active\nfalse',
    ];
    expect(submoduleLayout(parseGitmodules(listed(...lib, ...others)), 'lib', true).kind).toBe('checkout');
  });

  it('leaves update = none empty, at any depth; the last value given counts', () => {
    const none = parseGitmodules(listed(...lib, 'submodule.lib.update\ncheckout', 'submodule.lib.update\nnone'));
    expect(submoduleLayout(none, 'lib', false)).toEqual({ kind: 'empty', reason: 'updateNone' });
    expect(submoduleLayout(none, 'lib', true)).toEqual({ kind: 'empty', reason: 'updateNone' });
    const back = parseGitmodules(listed(...lib, 'submodule.lib.update\nnone', 'submodule.lib.update\ncheckout'));
    expect(submoduleLayout(back, 'lib', false).kind).toBe('checkout');
  });

  it("stops on a gitlink no section names: at the root (Tekton's git-clone, `git submodule update --init`) and inside a submodule", () => {
    for (const modules of [
      parseGitmodules(''),
      parseGitmodules(listed('submodule.lib.path\nlib/', 'submodule.lib.url\nx')),
    ]) {
      expect(submoduleLayout(modules, 'lib', false)).toEqual({ kind: 'unclonable', reason: { kind: 'unregistered' } });
      expect(submoduleLayout(modules, 'lib', true)).toEqual({
        kind: 'unclonable',
        reason: { kind: 'unregisteredNested' },
      });
    }
  });

  it('stops where git stops: no URL, an update value .gitmodules may not hold (anywhere in it), a file git cannot read', () => {
    expect(
      submoduleLayout(parseGitmodules(listed('submodule.lib.path\nlib', 'submodule.lib.update\nnone')), 'lib', false),
    ).toEqual({
      kind: 'unclonable',
      reason: { kind: 'noUrl' },
    });
    for (const value of ['!make', 'bogus', 'NONE', '']) {
      const modules = parseGitmodules(listed(...lib, 'submodule.other.path\nx', `submodule.other.update\n${value}`));
      expect(submoduleLayout(modules, 'lib', false)).toEqual({
        kind: 'unclonable',
        reason: { kind: 'badUpdate', key: 'submodule.other.update', value },
      });
    }
    expect(submoduleLayout(parseGitmodules(listed(...lib, 'submodule.lib.update')), 'lib', false).kind).toBe(
      'unclonable',
    );
    expect(submoduleLayout({ byPath: new Map(), refused: 'unparsed' }, 'lib', false).kind).toBe('unclonable');
  });

  it('finds the last section that names a path, names with dots kept whole', () => {
    const modules = parseGitmodules(
      listed(...lib, 'submodule.vendor.lib.v2.path\nlib', 'submodule.vendor.lib.v2.url\nhttps://example.org/lib.git'),
    );
    expect(submoduleLayout(modules, 'lib', false)).toEqual({ kind: 'checkout', name: 'vendor.lib.v2' });
  });
});
