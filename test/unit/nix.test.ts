import { describe, expect, it } from 'vitest';
import { parseAttrPath } from '../../src/nix/attrPath.js';
import { nixOptions } from '../../src/nix/commandLine.js';
import { nixProcess } from '../../src/nix/environment.js';
import { batchExpression } from '../../src/nix/expression.js';
import { answerWatcher, tracedAnswer } from '../../src/nix/nixInstantiate.js';
import { isNixHash, storePathHashPart } from '../../src/nix/storePath.js';

describe('storePathHashPart', () => {
  it('cuts the hash as n2k8s does', () => {
    expect(storePathHashPart('/nix/store/bhvhf4ndzxgqnlwzv5s272i5xs2qs6v0-docker-image-hello-world.tar.gz')).toBe(
      'bhvhf4ndzxgqnlwzv5s272i5xs2qs6v0',
    );
  });
  it('refuses what is not a store path', () => {
    expect(storePathHashPart('/nix/store/not-a-path')).toBeUndefined();
    expect(storePathHashPart('/nix/store/eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee-x')).toBeUndefined(); // no e in nix32
  });
  it('knows the nix32 alphabet', () => {
    expect(isNixHash('0123456789abcdfghijklmnpqrsvwxyz')).toBe(true);
    expect(isNixHash('0123456789abcdfghijklmnpqrsvwxyo')).toBe(false);
  });
});

describe('parseAttrPath', () => {
  it('splits on dots, keeps quoted dots, reads indices', () => {
    expect(parseAttrPath('images.web')).toEqual([{ name: 'images' }, { name: 'web' }]);
    expect(parseAttrPath('a."b.c".0')).toEqual([{ name: 'a' }, { name: 'b.c' }, { index: 0 }]);
    expect(parseAttrPath('')).toEqual([]);
  });
  it('rejects empty steps and open quotes', () => {
    expect(() => parseAttrPath('a..b')).toThrow(/empty step/);
    expect(() => parseAttrPath('a."b')).toThrow(/unclosed quote/);
  });
});

describe('the evaluation environment', () => {
  it('drops NIX_PATH, NIX_CONFIG and everything getEnv could read', () => {
    const { env, options } = nixProcess('working', {
      PATH: '/bin',
      HOME: '/home/me',
      NIX_PATH: 'nixpkgs=/x',
      NIX_CONFIG: 'system = x',
      SECRET: 's',
      https_proxy: 'http://proxy:3128',
    });
    // PATH first, then where Nix's installers put it (a GUI's minimal PATH lacks them).
    expect(env).toMatchObject({
      PATH: '/bin:/nix/var/nix/profiles/default/bin:/home/me/.nix-profile/bin:/home/me/.local/state/nix/profile/bin:/run/current-system/sw/bin',
      HOME: '/homeless-shelter',
      NIX_PATH: '',
      https_proxy: 'http://proxy:3128',
    });
    expect(env.NIX_CONFIG).toBeUndefined();
    expect(env.SECRET).toBeUndefined();
    expect(env.XDG_CACHE_HOME).toBe('/home/me/.cache');
    expect(options).toEqual([]);
  });
  it('gives an evaluation that can read the environment the same values whatever the caller has', () => {
    const alice = nixProcess('fixed', {
      PATH: '/home/alice/bin:/usr/bin',
      HOME: '/home/alice',
      XDG_CACHE_HOME: '/home/alice/.cache',
      XDG_CONFIG_HOME: '/home/alice/.config',
      http_proxy: 'http://alice:pw@proxy:3128',
      NIX_REMOTE: 'daemon',
      SECRET: 's',
    });
    const bob = nixProcess('fixed', { PATH: '/opt/bin:/usr/bin:/bin', HOME: '/Users/bob', TERM: 'xterm' });
    expect(alice.env).toEqual(bob.env);
    expect(Object.keys(alice.env).sort()).toEqual(['HOME', 'NIX_PATH', 'PATH', 'XDG_CACHE_HOME']);
    expect(alice.env).toMatchObject({ HOME: '/homeless-shelter', NIX_PATH: '' });
    expect(alice.env.PATH).not.toContain('alice');
    // The daemon is reached through an option, which getEnv cannot read.
    expect(alice.options).toEqual(['--option', 'store', 'daemon']);
    expect(bob.options).toEqual([]);
  });
  it('pins the system, refuses import-from-derivation and maps <nixpkgs>', () => {
    const options = nixOptions({
      system: 'aarch64-linux',
      allowImportFromDerivation: false,
      nixpkgs: '/nix/store/x-source',
    });
    expect(options.join(' ')).toContain('--option system aarch64-linux');
    expect(options.join(' ')).toContain('--option allow-import-from-derivation false');
    expect(options.join(' ')).toContain('-I nixpkgs=/nix/store/x-source');
  });
});

describe('batchExpression', () => {
  it('calls a file once per distinct argument set and passes data as JSON', () => {
    const batch = batchExpression([
      { file: '/r/default.nix', attrPath: [{ name: 'a' }], args: {} },
      { file: '/r/default.nix', attrPath: [{ name: 'b' }], args: {} },
      { file: '/r/default.nix', attrPath: [], args: { x: { expr: '[ 1 ]' } } },
    ]);
    const spec = JSON.parse(batch.cliArgs[2]!) as { calls: unknown[]; images: Array<{ call: number }> };
    expect(spec.calls).toHaveLength(2);
    expect(spec.images.map((image) => image.call)).toEqual([0, 0, 1]);
    expect(batch.cliArgs.slice(3)).toEqual(['--arg', 'a0', '[ 1 ]']);
    expect(batch.text).not.toContain('/r/default.nix');
  });
});

describe('tracedAnswer', () => {
  const marker = 'nixtag-answer-1-abc:';

  it('takes the complete marked line, wherever it is, and keeps the rest of stderr', () => {
    expect(tracedAnswer(`trace: ${marker}[1]\n`, marker)).toEqual({ value: '[1]', rest: '' });
    expect(tracedAnswer(`warning: x\ntrace: mine\ntrace: ${marker}[{"a":"b"}]\nlater\n`, marker)).toEqual({
      value: '[{"a":"b"}]',
      rest: 'warning: x\ntrace: mine\nlater\n',
    });
  });

  it('waits for the end of the line and ignores other markers', () => {
    expect(tracedAnswer(`trace: ${marker}[{"a":`, marker)).toBeUndefined();
    expect(tracedAnswer(`trace: nixtag-answer-2-xyz:[1]\n`, marker)).toBeUndefined();
    expect(tracedAnswer(`say trace: ${marker}[1]\n`, marker)).toBeUndefined();
  });
});

describe('answerWatcher', () => {
  const marker = 'nixtag-answer-1-abc:';

  it('sees the answer line complete exactly when its newline arrives, however stderr is split', () => {
    const stderr = `trace: x\n${'warning: noise\n'.repeat(50)}say trace: ${marker}no\ntrace: ${marker}[1]\nafter\n`;
    const complete = stderr.indexOf('[1]\n') + 4;
    for (const size of [1, 7, 64, stderr.length]) {
      const answered = answerWatcher(marker);
      let seen = -1;
      for (let end = size; seen === -1 && end < stderr.length + size; end += size) {
        const sofar = stderr.slice(0, Math.min(end, stderr.length));
        if (answered(sofar)) seen = sofar.length;
      }
      expect(seen).toBeGreaterThanOrEqual(complete);
      expect(seen).toBeLessThan(complete + size);
    }
  });
});

describe('batchExpression with an answer marker', () => {
  it('passes the marker as data and traces the result behind it', () => {
    const batch = batchExpression([{ file: '/r/default.nix', attrPath: [], args: {} }], 'nixtag-answer-1-abc:');
    expect(JSON.parse(batch.cliArgs[2]!)).toMatchObject({ marker: 'nixtag-answer-1-abc:' });
    expect(batch.text).toContain('builtins.trace (s.marker + builtins.toJSON result) result');
    expect(batch.text).not.toContain('nixtag-answer-1-abc');
  });
});
