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
