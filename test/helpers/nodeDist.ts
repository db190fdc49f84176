import { execFileSync } from 'node:child_process';
import { createReadStream, mkdirSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import { tempDir } from './repo.js';

/** What the pre-commit framework's nodeenv downloads for `language_version: VERSION`. */
export interface NodeDist {
  /** The version served: the runner's Node, the one Node >= 22 this machine has. */
  version: string;
  /** `http://127.0.0.1:PORT`, for `http_proxy`. */
  proxy: string;
  /** How many times the release was downloaded. */
  downloads(): number;
}

/**
 * nodejs.org's `dist/` as nodeenv asks it for a prebuilt Node (`http://nodejs.org/dist/vX/node-vX-linux-x64.tar.gz`,
 * through `http_proxy`), served on 127.0.0.1 from a tarball of the runner's own Node, so that no
 * request leaves the machine. The archive is an uncompressed tar (Python's tarfile reads either).
 * The server stops when the test ends.
 */
export async function serveNodeDist(): Promise<NodeDist> {
  const version = process.versions.node;
  const name = `node-v${version}-linux-x64`;
  const work = tempDir('node-dist-');
  mkdirSync(path.join(work, name, 'bin'), { recursive: true });
  symlinkSync(process.execPath, path.join(work, name, 'bin', 'node'));
  const archive = path.join(work, `${name}.tar.gz`);
  execFileSync('tar', ['-chf', archive, '-C', work, name]);
  const wanted = `/dist/v${version}/${name}.tar.gz`;
  let downloads = 0;
  const server = createServer((request, response) => {
    // A proxied request names the whole URL.
    if (request.url !== `http://nodejs.org${wanted}` && request.url !== wanted) {
      response.writeHead(404).end();
      return;
    }
    downloads += 1;
    response.writeHead(200, { 'content-type': 'application/gzip' });
    createReadStream(archive).pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return {
    version,
    proxy: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    downloads: () => downloads,
  };
}
