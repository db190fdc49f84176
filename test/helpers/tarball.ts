import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from './repo.js';

/**
 * A `file://` tarball of one directory holding `default.nix`, with the sha256 fetchTarball wants
 * (from `nix-prefetch-url --unpack`). `archive` names the tarball (default: the directory's name),
 * so a test can make `<40 hex>.tar.gz` as GitHub serves archives; `work` holds it.
 */
export function fileTarball(
  name: string,
  defaultNix: string,
  archive = name,
  work = tempDir(),
): { work: string; url: string; sha256: string } {
  mkdirSync(path.join(work, name), { recursive: true });
  writeFileSync(path.join(work, name, 'default.nix'), defaultNix);
  execFileSync('tar', ['-czf', path.join(work, `${archive}.tar.gz`), '-C', work, name]);
  const url = `file://${work}/${archive}.tar.gz`;
  const sha256 = execFileSync('nix-prefetch-url', ['--unpack', url], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).trim();
  return { work, url, sha256 };
}
