import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { nixFingerprint } from '../nix/fingerprint.js';
import { nixtagVersion } from '../version.js';

/**
 * Trees already judged up to date, so that a hook asked about the same tree again (lint-staged's
 * chunks, a retried commit, pushing what was committed) answers after one git call, before any
 * configuration, YAML or Nix is loaded. A judged tree holds its configuration, pin, expressions and
 * manifests; the key adds what lies outside it: nixtag, the Nix binary and an explicit --config.
 */
const MAX_VERDICTS = 256;

/** What lies outside a judged tree and can change a verdict; undefined without Nix (no verdicts then). */
export function verdictEnvironment(explicitConfig: string | undefined): string | undefined {
  const fingerprint = nixFingerprint();
  return fingerprint === undefined ? undefined : JSON.stringify([nixtagVersion(), fingerprint, explicitConfig ?? '']);
}

export function verdictKey(tree: string, environment: string): string {
  return createHash('sha256').update(`${tree}\n${environment}`).digest('hex');
}

function file(stateDirectory: string): string {
  return path.join(stateDirectory, 'verdicts.json');
}

function read(stateDirectory: string): string[] {
  try {
    const keys = JSON.parse(readFileSync(file(stateDirectory), 'utf8')) as unknown;
    return Array.isArray(keys) ? keys.filter((key): key is string => typeof key === 'string') : [];
  } catch {
    return [];
  }
}

export function isKnownGood(stateDirectory: string, key: string): boolean {
  return read(stateDirectory).includes(key);
}

export function recordGood(stateDirectory: string, key: string): void {
  try {
    const keys = [key, ...read(stateDirectory).filter((known) => known !== key)].slice(0, MAX_VERDICTS);
    mkdirSync(stateDirectory, { recursive: true });
    const temporary = `${file(stateDirectory)}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(keys));
    renameSync(temporary, file(stateDirectory));
  } catch {
    // Only a speed-up.
  }
}
