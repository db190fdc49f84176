import { describe, expect, it } from 'vitest';
import { deployment } from '../helpers/expressions.js';
import { ciFlakeEval, flakeDrv, hashOf } from '../helpers/flakes.js';
import { nixtag } from '../helpers/inProcess.js';
import { gitRepo } from '../helpers/repo.js';

/** A hash-like tag no image here has. */
const OTHER = 'bhvhf4ndzxgqnlwzv5s272i5xs2qs6v0';

/**
 * A flake with images of each kind: a tarball, a layered image with a hash imageTag, one tagged
 * latest, a tool. Each image carries its full name as `imageName`, as dockerTools sets it: what
 * init ties an image to a repository by when no tag there is already its own.
 */
const FLAKE = `{
  outputs = { self }: {
    packages.x86_64-linux = {
      web = (${flakeDrv('docker-image-web.tar.gz')}) // { imageName = "registry.example/web"; };
      api = (${flakeDrv('stream-api')}) // { imageName = "registry.example/api"; imageTag = "${'0'.repeat(31)}a"; };
      latest = (${flakeDrv('stream-latest')}) // { imageName = "registry.example/latest"; imageTag = "latest"; };
      tool = ${flakeDrv('some-tool')};
    };
  };
}
`;

describe('init proposes flake outputs, and tells which hash the tags already there follow', () => {
  it('by computing both the output path’s hash and imageTag', async () => {
    const repo = gitRepo({ 'flake.nix': FLAKE });
    const webTag = hashOf(ciFlakeEval(repo, '.#web'));
    repo.write({
      'k8s/web.yaml': deployment(`registry.example/web:${webTag}`),
      'k8s/api.yaml': deployment(`registry.example/api:${'0'.repeat(31)}a`).replace(/name: app/g, 'name: api'),
      'k8s/latest.yaml': deployment('registry.example/latest:1.0').replace(/name: app/g, 'name: latest'),
      'k8s/other.yaml': deployment(`registry.example/other:${OTHER}`).replace(/name: app/g, 'name: other'),
    });
    repo.commit('manifests');
    const result = await nixtag(repo.dir, ['init']);
    expect(result.code).toBe(0);
    const config = result.stdout;
    // Matched by its tag, the output path's hash.
    expect(config).toMatch(
      /# Its tags are the output path's hash.*\n {2}- name: web\n {4}flake: '\.#web'\n {4}repository: registry\.example\/web\n(?! {4}tagFrom)/,
    );
    // Matched by its imageTag: tagFrom imageTag.
    expect(config).toMatch(
      /own imageTag.*\n {2}- name: api\n {4}flake: '\.#api'\n {4}repository: registry\.example\/api\n {4}tagFrom: imageTag\n/,
    );
    // A non-hash imageTag is never the tag.
    expect(config).toMatch(
      /imageTag, 'latest', is not a Nix hash.*\n {2}- name: latest\n {4}flake: '\.#latest'\n {4}repository: registry\.example\/latest\n(?! {4}tagFrom)/,
    );
    // No image output for a tool; a repository nothing here builds is left unmanaged.
    expect(config).not.toContain('.#tool');
    expect(config).toContain('registry.example/other (k8s/other.yaml');
    // Written and fixed, the tags are CI's.
    expect((await nixtag(repo.dir, ['init', '--write'])).code).toBe(0);
    repo.commit('config');
    expect((await nixtag(repo.dir, ['fix'])).code).toBe(0);
    expect(repo.read('k8s/latest.yaml')).toContain(`registry.example/latest:${hashOf(ciFlakeEval(repo, '.#latest'))}`);
    expect(repo.read('k8s/api.yaml')).toContain(`registry.example/api:${ciFlakeEval(repo, '.#api', 'imageTag')}`);
  });

  it('says when a Nix-hash tag matches neither scheme', async () => {
    const repo = gitRepo({ 'flake.nix': FLAKE, 'k8s/web.yaml': deployment(`registry.example/web:${OTHER}`) });
    const config = (await nixtag(repo.dir, ['init'])).stdout;
    expect(config).toContain("Its Nix-hash tags match neither the output path's hash");
    expect(config).toContain("flake: '.#web'");
  });
});

describe('hash --json reports the installable and the scheme', () => {
  it('for a flake image and a file image', async () => {
    const repo = gitRepo({
      'flake.nix': FLAKE,
      'default.nix': `${flakeDrv('file-image.tar.gz')}\n`,
      '.nixtagrc.yaml': `images:
  - name: api
    flake: .#api
    repository: registry.example/api
    tagFrom: imageTag
  - name: file
    repository: registry.example/file
`,
    });
    const result = await nixtag(repo.dir, ['hash', '--json']);
    expect(JSON.parse(result.stdout)).toMatchObject({
      images: [
        {
          name: 'api',
          nix: 'flake.nix',
          attr: null,
          flake: '.#api',
          installable: '.#packages.x86_64-linux.api',
          tagFrom: 'imageTag',
          hash: ciFlakeEval(repo, '.#api', 'imageTag'),
          outPath: ciFlakeEval(repo, '.#api', 'imageTag'),
        },
        { name: 'file', nix: 'default.nix', flake: null, installable: null, tagFrom: 'outPath' },
      ],
    });
  });
});

describe('doctor knows flakes', () => {
  it('reports --impure-only constructs and reads of the commit with file:line, and inputs CI cannot fetch', async () => {
    const repo = gitRepo({
      'flake.nix': `{
  outputs = { self }: {
    packages.x86_64-linux.image = ${flakeDrv('web.tar.gz', 'version = self.shortRev or "dirty";\n      home = builtins.getEnv "HOME";')};
  };
}
`,
      'api/flake.nix': `{
  inputs.lib.url = "path:/home/someone/lib";
  outputs = { self, lib }: { packages.x86_64-linux.image = ${flakeDrv('api.tar.gz')}; };
}
`,
      'api/flake.lock': JSON.stringify(
        {
          nodes: {
            root: { inputs: { lib: 'lib' } },
            lib: {
              locked: { type: 'path', path: '/home/someone/lib' },
              original: { type: 'path', path: '/home/someone/lib' },
            },
          },
          root: 'root',
          version: 7,
        },
        null,
        2,
      ),
      // No manifest names them yet: optional, or the configuration fails closed (CONFIG_UNMATCHED).
      '.nixtagrc.yaml': `images:
  - name: web
    flake: .#image
    repository: registry.example/web
    optional: true
  - name: api
    flake: ./api#image
    repository: registry.example/api
    optional: true
`,
    });
    const result = await nixtag(repo.dir, ['doctor', '--json']);
    expect(result.code).toBe(1);
    const findings = (JSON.parse(result.stdout) as { findings: Array<Record<string, unknown>> }).findings;
    expect(findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'commitId', file: 'flake.nix', line: 3, images: ['web'], differsFromCi: true }),
        expect.objectContaining({
          code: 'flakeImpure',
          file: 'flake.nix',
          line: 4,
          images: ['web'],
          differsFromCi: false,
        }),
        expect.objectContaining({ code: 'flakeInput', file: 'api/flake.lock', images: ['api'], differsFromCi: true }),
      ]),
    );
    const input = findings.find((finding) => finding.code === 'flakeInput')!;
    expect(input.message).toContain("'lib'");
    expect(input.line).toBe(5); // where the lock names it
  });
});
