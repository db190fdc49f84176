import { describe, expect, it } from 'vitest';
import { hash } from '../../src/index.js';
import { gitRepo, n2k8sTag } from '../helpers/repo.js';
import { freshClone } from '../helpers/trees.js';

const image = (name: string) =>
  `derivation { name = ${name}; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo > $out" ]; }`;

const config = (args: string, attr?: string) => `images:
  - name: app
    repository: registry.example/app
    args: ${args}
${attr ? `    attr: ${attr}\n` : ''}`;

/** nixtag's tag and nix-instantiate's (n2k8s's command, with the same arguments) in a fresh clone. */
async function bothTags(expression: string, args: string, cliArgs: string, attr?: string) {
  const repo = gitRepo({ 'default.nix': expression, '.nixtagrc.yaml': config(args, attr) });
  const expected = n2k8sTag(freshClone(repo.dir), {}, attr ? `${cliArgs} -A ${attr}` : cliArgs);
  const result = await hash({ cwd: repo.dir, cache: false }).then(
    (done) => done.images[0]!.hash,
    (error: unknown) => error,
  );
  return { expected, result };
}

describe('functions are called as nix-instantiate calls them', () => {
  it('{ ... }@a receives every argument given', async () => {
    const { expected, result } = await bothTags(
      `{ ... }@a: ${image('"app-${a.flavour or "plain"}"')}`,
      '{ flavour: prod }',
      '--argstr flavour prod',
    );
    expect(expected).toMatch(/^[0-9a-df-np-sv-z]{32}$/);
    expect(result).toBe(expected);
  });

  it('formals receive the arguments they name, and defaults fill the rest', async () => {
    const { expected, result } = await bothTags(
      `{ flavour ? "plain", size ? 1 }: ${image('"app-${flavour}-${toString size}"')}`,
      '{ flavour: prod, unrelated: x }',
      '--argstr flavour prod --argstr unrelated x',
    );
    expect(expected).toMatch(/^[0-9a-df-np-sv-z]{32}$/);
    expect(result).toBe(expected);
  });

  it('a set with __functor is applied to itself, then auto-called', async () => {
    const { expected, result } = await bothTags(
      `{ __functor = self: { flavour ? "plain" }: ${image('"app-${flavour}"')}; }`,
      '{ flavour: prod }',
      '--argstr flavour prod',
    );
    expect(expected).toMatch(/^[0-9a-df-np-sv-z]{32}$/);
    expect(result).toBe(expected);
  });

  it('a plain lambda is not called: nix-instantiate fails, and so does nixtag', async () => {
    const { expected, result } = await bothTags(`x: ${image('"app"')}`, '{ flavour: prod }', '--argstr flavour prod');
    expect(expected).toBe('');
    expect(result).toMatchObject({ code: 'NIX_NOT_A_DERIVATION' });
  });

  it('the file is auto-called once: a function returned by the call is not called again', async () => {
    const { expected, result } = await bothTags(`{ }: { }: ${image('"app"')}`, '{}', '');
    expect(expected).toBe('');
    expect(result).toMatchObject({ code: 'NIX_NOT_A_DERIVATION' });
  });

  it('with an attribute path, the file is auto-called once before the first selection', async () => {
    const { expected, result } = await bothTags(`{ }: { }: { img = ${image('"app"')}; }`, '{}', '', 'img');
    expect(expected).toBe('');
    expect(result).toMatchObject({ code: 'NIX_EVAL_FAILED' });
  });

  it('each selected value is auto-called once, the last one too', async () => {
    const { expected, result } = await bothTags(
      `{ flavour ? "plain" }: { web = { size ? 1 }: { img = { ... }@a: ${image('"app-${flavour}-${toString size}-${a.flavour}"')}; }; }`,
      '{ flavour: prod, size: "2" }',
      '--argstr flavour prod --argstr size 2',
      'web.img',
    );
    expect(expected).toMatch(/^[0-9a-df-np-sv-z]{32}$/);
    expect(result).toBe(expected);
  });

  it('a function left after the last selection is not called twice', async () => {
    const { expected, result } = await bothTags(`{ img = { }: { }: ${image('"app"')}; }`, '{}', '', 'img');
    expect(expected).toBe('');
    expect(result).toMatchObject({ code: 'NIX_NOT_A_DERIVATION' });
  });
});

describe('a value that is not a derivation is read as nix-instantiate reads it', () => {
  const drv = (name: string) => image(`"${name}"`);

  it.each([
    ['a set with one derivation beside other values', `{ image = ${drv('app')}; version = "1"; }`],
    ['a list of one derivation', `[ (${drv('app')}) ]`],
    ['a derivation reached twice (rec)', `rec { image = ${drv('app')}; default = image; }`],
    [
      'a set recursing where recurseForDerivations says',
      `{ v = 1; images = { recurseForDerivations = true; web = ${drv('app')}; }; }`,
    ],
    [
      'names nix-instantiate does not collect',
      `{ image = ${drv('app')}; "a.b" = ${drv('ab')}; "1x" = ${drv('one')}; }`,
    ],
    ['a function in a list, auto-called', `[ ({ }: ${drv('app')}) ]`],
  ])('%s: the one derivation’s tag, as n2k8s', async (_, expression) => {
    const { expected, result } = await bothTags(expression, '{}', '');
    expect(expected).toMatch(/^[0-9a-df-np-sv-z]{32}$/);
    expect(result).toBe(expected);
  });

  it('several derivations: an error listing each attribute path, suggesting attr', async () => {
    const { expected, result } = await bothTags(
      `{ web = ${drv('web')}; tools = { recurseForDerivations = true; debug = ${drv('debug')}; }; }`,
      '{}',
      '',
    );
    expect(expected.split('\n')).toHaveLength(2); // n2k8s's "tag" is two lines
    expect(result).toMatchObject({
      code: 'NIX_NOT_A_DERIVATION',
      message: expect.stringContaining("holding 2 derivations ('tools.debug', 'web')"),
      hint: expect.stringContaining('attr: tools.debug'),
    });
  });

  it('no derivation at all: an error saying n2k8s’s tag would be empty', async () => {
    const { expected, result } = await bothTags(`{ nested = { web = ${drv('web')}; }; }`, '{}', '');
    expect(expected).toBe('');
    expect(result).toMatchObject({
      code: 'NIX_NOT_A_DERIVATION',
      message: expect.stringContaining(
        "holding no derivation: nix-instantiate prints nothing, and n2k8s's tag would be empty",
      ),
    });
  });

  it('a list holding something else: nix-instantiate’s own error', async () => {
    const { expected, result } = await bothTags(`[ (${drv('web')}) "text" ]`, '{}', '');
    expect(expected).toBe('');
    expect(result).toMatchObject({
      code: 'NIX_EVAL_FAILED',
      detail: expect.stringContaining('expression does not evaluate to a derivation (or a set or list of those)'),
    });
  });
});
