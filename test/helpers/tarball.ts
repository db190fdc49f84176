import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { tempDir, writeFiles, type Files } from './repo.js';

export interface FileTarball {
  work: string;
  url: string;
  /** The nix-base32 sha256 of the unpacked tarball, as fetchTarball wants it. */
  sha256: string;
}

/**
 * A `file://` tarball of one directory named `name` holding `files` (or a copy of `from`), with
 * the sha256 fetchTarball wants, from the nix-prefetch-url on PATH (which also puts it in that
 * Nix's store).
 */
export function fileTarball(name: string, files: Files, from?: string): FileTarball {
  const work = tempDir();
  const root = path.join(work, name);
  mkdirSync(root);
  if (from !== undefined) cpSync(from, root, { recursive: true });
  writeFiles(root, files);
  execFileSync('tar', ['-czf', path.join(work, `${name}.tar.gz`), '-C', work, name]);
  const url = `file://${work}/${name}.tar.gz`;
  const sha256 = execFileSync('nix-prefetch-url', ['--unpack', url], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).trim();
  return { work, url, sha256 };
}
