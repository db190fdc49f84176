import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluationArgs } from '../../src/nix/commandLine.js';
import { evaluateImages } from '../../src/nix/evaluate.js';
import { batchExpression } from '../../src/nix/expression.js';
import { nixInstantiate } from '../../src/nix/nixInstantiate.js';
import { plainImage } from '../helpers/expressions.js';
import { n2k8sTag, tempDir } from '../helpers/repo.js';

// nixtag reads Nix's answer from a traced line, not from stdout at exit (see nixInstantiate).
const settings = { system: 'x86_64-linux', allowImportFromDerivation: false };
const chatty = `builtins.trace "the user's own trace" (import ./image.nix)\n`;

function directory(): string {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'image.nix'), plainImage);
  writeFileSync(path.join(dir, 'default.nix'), chatty);
  return dir;
}

describe('the traced answer', () => {
  it('is what Nix prints on stdout at exit, and the user’s own traces stay in stderr', async () => {
    const dir = directory();
    const images = [{ file: path.join(dir, 'default.nix'), attrPath: [], args: {} }];
    const marker = 'nixtag-answer-test:';
    const run = (withMarker: boolean) => {
      const args = evaluationArgs(settings, batchExpression(images, withMarker ? marker : undefined));
      return nixInstantiate(args, dir, withMarker ? { answerMarker: marker } : {});
    };
    const [traced, atExit] = await Promise.all([run(true), run(false)]);
    expect([traced.traced, atExit.traced]).toEqual([true, false]);
    expect(JSON.parse(traced.stdout)).toEqual(JSON.parse(atExit.stdout));
    expect(traced.stderr).toContain("trace: the user's own trace");
    expect(traced.stderr).not.toContain(marker);
  });

  it('gives the tag n2k8s computes', async () => {
    const dir = directory();
    const request = {
      name: 'app',
      file: path.join(dir, 'default.nix'),
      displayFile: 'default.nix',
      attrPath: [],
      args: {},
      tagFrom: 'outPath' as const,
    };
    const {
      evaluations: [evaluation],
    } = await evaluateImages([request], settings);
    expect(evaluation!.tag).toBe(n2k8sTag(dir));
  });
});

describe('an expression that imports what it writes to the store', () => {
  // A name no earlier run wrote: the store path is new to this store, as on a fresh machine.
  const written = (name: string) =>
    `let f = import (builtins.toFile "${name}.nix" "x: x"); in derivation { name = "app"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" "echo > $out" ]; c = f 1; }\n`;

  it('is evaluated read-write, as CI evaluates it, and gets the tag n2k8s computes; builds stay refused', async () => {
    const name = `nixtag-${process.pid}-${Date.now()}`;
    const [dir, again] = [tempDir(), tempDir()];
    writeFileSync(path.join(dir, 'default.nix'), written(name));
    writeFileSync(path.join(again, 'default.nix'), written(`${name}-b`));
    const request = (root: string) => ({
      name: 'app',
      file: path.join(root, 'default.nix'),
      displayFile: 'default.nix',
      attrPath: [],
      args: {},
      tagFrom: 'outPath' as const,
    });
    // Read-only alone, Nix refuses: the path it would import is not valid yet.
    const readOnly = await nixInstantiate(evaluationArgs(settings, batchExpression([request(again)])), again).catch(
      (error: unknown) => error as Error & { detail?: string },
    );
    expect('detail' in readOnly ? readOnly.detail : '').toMatch(/is not valid/);
    const {
      evaluations: [evaluation],
    } = await evaluateImages([request(dir)], settings);
    expect(evaluation!.tag).toBe(n2k8sTag(dir));

    // Import from a derivation is refused all the same.
    writeFileSync(
      path.join(dir, 'default.nix'),
      `import (derivation { name = "${name}-ifd"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" "echo 1 > $out" ]; })\n`,
    );
    await expect(evaluateImages([request(dir)], settings)).rejects.toMatchObject({
      code: 'NIX_EVAL_FAILED',
      detail: expect.stringMatching(/allow-import-from-derivation/),
    });
  });
});
