import { describe, expect, it } from 'vitest';
import { userPaths } from '../../src/userPaths.js';

describe('userPaths: Nix messages name the user’s files, not the checked-out tree', () => {
  it('maps file:line:column in a checkout to the repository path', () => {
    expect(
      userPaths(
        "error: undefined variable 'x'\n       at /home/u/app/.git/nixtag/trees/worktree/source/default.nix:4:13:",
      ),
    ).toBe("error: undefined variable 'x'\n       at default.nix:4:13:");
  });
  it('maps a checkout where nixtag keeps them, outside .git: /var/tmp or TMPDIR', () => {
    expect(
      userPaths(
        'at /var/tmp/nixtag-checkouts-1000/0f3a9c21b4d5e6f70812/nixtag/trees/worktree/source/svc/default.nix:4:13:',
      ),
    ).toBe('at svc/default.nix:4:13:');
    expect(
      userPaths("in '/run/user/1000/tmp/nixtag-checkouts-1000/0f3a9c21b4d5e6f70812/nixtag/trees/index/source'"),
    ).toBe("in '.'");
  });
  it('maps a linked worktree’s checkout, another slot and checkout name, and the checkout itself', () => {
    expect(userPaths('/r/.git/worktrees/w/nixtag/trees/index/workspace/svc/api/default.nix:1:1')).toBe(
      'svc/api/default.nix:1:1',
    );
    expect(userPaths("in '/r/.git/nixtag/trees/rev/source'")).toBe("in '.'");
  });
  it('leaves other paths alone', () => {
    expect(userPaths('/nix/store/abc-source/default.nix:1:1 and /home/u/app/default.nix')).toBe(
      '/nix/store/abc-source/default.nix:1:1 and /home/u/app/default.nix',
    );
  });
  it("maps doctor's copies of the tree only when asked: doctor locates its findings by them", () => {
    const log =
      "at /tmp/nixtag-doctor-tq52o0/base/source/svc/default.nix:1:119: in '/tmp/nixtag-doctor-tq52o0/commit/source'";
    expect(userPaths(log, { doctorCopies: true })).toBe("at svc/default.nix:1:119: in '.'");
    expect(userPaths(log)).toBe(log);
  });
});
