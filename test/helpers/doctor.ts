import { execFileSync } from 'node:child_process';
import { expect } from 'vitest';
import { doctor, type DoctorResult } from '../../src/index.js';
import { gitRepo, type Files } from './repo.js';

/** An image whose derivation has `attributes` (one per line) and `before` as its let-bindings. */
export const image = (attributes: string[], before = '') => `{ system ? builtins.currentSystem }:
${before}derivation {
  name = "docker-image-app.tar.gz";
  inherit system;
${attributes.map((line) => `  ${line}\n`).join('')}  builder = "/bin/sh";
  args = [ "-c" "echo image > $out" ];
}
`;

/** One image; optional, since doctor's trees hold no manifest (or the configuration fails closed). */
export const config = (extra = '') => `images:
  - name: app
    repository: registry.example/app
    optional: true
${extra}`;

export const localNixVersion = () =>
  /(\d+\.\d+(?:\.\d+)?)/.exec(execFileSync('nix-instantiate', ['--version'], { encoding: 'utf8' }))![1]!;

/** 1-based line and column of the first occurrence of `text` in `file`'s content. */
export function place(files: Files, file: string, text: string): { file: string; line: number; column: number } {
  const lines = files[file]!.split('\n');
  const line = lines.findIndex((content) => content.includes(text));
  expect(line).toBeGreaterThanOrEqual(0);
  return { file, line: line + 1, column: lines[line]!.indexOf(text) + 1 };
}

export const codes = (result: DoctorResult) => result.findings.map((finding) => finding.code);

export async function diagnose(files: Files): Promise<DoctorResult> {
  return doctor({ cwd: gitRepo(files).dir });
}
