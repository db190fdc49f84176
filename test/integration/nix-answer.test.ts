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
