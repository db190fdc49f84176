import { describe, expect, it } from 'vitest';
import { confinedAnswers } from '../../src/nix/source/confinedAnswers.js';
import { lex, stringValue } from '../../src/nix/source/lexer.js';

/** What `file` (`text`) asks that confinement may answer otherwise, as fileInputs reads it. */
function asks(text: string, file = 'default.nix') {
  const tokens = lex(text);
  const code = tokens.filter((token) => token.kind !== 'comment');
  const strings = tokens
    .filter((token) => token.kind === 'stringText')
    .map((token) => ({ value: stringValue(token), start: token.start }));
  return confinedAnswers(file, text, code, strings, '/nix/store')
    .filter((answer) => answer.inside !== true)
    .map(({ outside, path }) => (outside ? `outside ${path}` : 'computed'));
}

describe('questions confinement answers `false` without an error (pathExists)', () => {
  it('a place written out outside the repository, in every spelling', () => {
    expect(asks('builtins.pathExists /bin/bash')).toEqual(['outside /bin/bash']);
    expect(asks('builtins.pathExists "/bin/bash"')).toEqual(['outside /bin/bash']);
    expect(asks('with builtins; pathExists (/bin + "/bash")')).toEqual(['outside /bin']);
    expect(asks('__pathExists ~/.config')).toEqual(['outside ~/.config']);
    expect(asks('builtins.pathExists ../x')).toEqual(['outside ../x']);
    expect(asks('lib.pathIsDirectory /etc/nixos', 'nix/app.nix')).toEqual(['outside /etc/nixos']);
    expect(asks('builtins.pathExists "${/etc}/x"')).toEqual(['outside /etc']);
  });

  it('a computed place, a builtin passed on or named by a string', () => {
    // A path of the repository extended at run time may leave it (adversarial round 12, F1).
    expect(asks('builtins.pathExists (./. + "/..")')).toEqual(['computed']);
    expect(asks('builtins.pathExists (./nix + "/../..")', 'nix/app.nix')).toEqual(['computed']);
    expect(asks('builtins.pathExists "${./.}/.."')).toEqual(['computed']);
    expect(asks('builtins.pathExists (./. + name)')).toEqual(['computed']);
    expect(asks('p: builtins.pathExists p')).toEqual(['computed']);
    expect(asks('builtins.pathExists (builtins.toPath x)')).toEqual(['computed']);
    expect(asks('map builtins.pathExists xs')).toEqual(['computed']);
    expect(asks('builtins.getAttr "pathExists" builtins /x')).toEqual(['computed']);
  });

  it("the repository's own files, the store and search paths ask nothing", () => {
    expect(asks('builtins.pathExists ./local.nix')).toEqual([]);
    expect(asks('builtins.pathExists ../x', 'nix/app.nix')).toEqual([]);
    expect(asks('builtins.pathExists (./. + "/x")')).toEqual([]);
    expect(asks('builtins.pathExists "${./.}/x"')).toEqual([]);
    expect(asks('builtins.pathExists ./services/${name}')).toEqual([]);
    expect(asks('builtins.pathExists /nix/store/abc')).toEqual([]);
    expect(asks('builtins.pathExists <nixpkgs/lib>')).toEqual([]);
  });

  it('a binding, an inherit or a comment asks nothing', () => {
    expect(asks('{ pathExists = 1; }')).toEqual([]);
    expect(asks('let inherit (builtins) pathExists; in 1')).toEqual([]);
    expect(asks('# builtins.pathExists /bin/bash\n1')).toEqual([]);
  });
});
