import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureStateDirectory, statePaths } from './paths.js';

/**
 * Trees already judged up to date, so that a hook asked about the same tree again (lint-staged's
 * chunks, a retried commit, pushing what was committed) answers after one git call, before any
 * configuration, YAML or Nix is loaded. A judged tree holds its configuration, pin, expressions and
 * manifests; the key adds what lies outside it, the run environment (state/environment.ts).
 */
const MAX_VERDICTS = 256;

export function verdictKey(tree: string, environment: string): string {
  return createHash('sha256').update(`${tree}\n${environment}`).digest('hex');
}

function read(file: string): string[] {
  try {
    const keys = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return Array.isArray(keys) ? keys.filter((key): key is string => typeof key === 'string') : [];
  } catch {
    return [];
  }
}

export function isKnownGood(gitDir: string, key: string): boolean {
  return read(statePaths(gitDir).verdicts).includes(key);
}

export function recordGood(gitDir: string, key: string): void {
  const file = statePaths(gitDir).verdicts;
  try {
    const keys = [key, ...read(file).filter((known) => known !== key)].slice(0, MAX_VERDICTS);
    ensureStateDirectory(gitDir, path.dirname(file));
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(keys));
    renameSync(temporary, file);
  } catch {
    // Only a speed-up.
  }
}
