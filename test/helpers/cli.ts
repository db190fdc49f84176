import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { testEnv } from './repo.js';

export const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli/bin.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a user would, with the Node that runs the tests (>= 22). */
export function nixtagCli(cwd: string, args: string[], env: Record<string, string> = {}): CliResult {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, env: testEnv(env), encoding: 'utf8' });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
