import {
  chmodSync,
  existsSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  lstatSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { check, fix, hash, NixtagError } from '../../src/index.js';
import { deployment, plainImage, STALE } from '../helpers/expressions.js';
import { gitRepo, tempDir } from '../helpers/repo.js';

const REPO = 'registry.example/app';
const config = (manifests?: string) =>
  `images:\n  - name: app\n    repository: ${REPO}\n${manifests ? `    manifests: ${manifests}\n` : ''}`;

async function failure(run: Promise<unknown>): Promise<NixtagError> {
  const error = await run.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(NixtagError);
  return error as NixtagError;
}

const bytesOf = (dir: string, files: string[]) =>
  files.map((file) => readFileSync(path.join(dir, file)).toString('hex'));

describe('manifests nixtag must not or cannot rewrite', () => {
  it('refuses a configured manifest that is not YAML, with line, column and caret, touching nothing', async () => {
    const broken = `apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - image: ${REPO}:${STALE}\n      name: [unclosed\n`;
    const repo = gitRepo({
      'default.nix': plainImage,
      '.nixtagrc.yaml': config('["k8s/*.yaml"]'),
      'k8s/broken.yaml': broken,
      'k8s/good.yaml': deployment(`${REPO}:${STALE}`),
    });
    for (const run of [check, fix]) {
      const error = await failure(run({ cwd: repo.dir }));
      expect(error.code).toBe('YAML_INVALID');
      expect(error.kind).toBe('input');
      expect(error.location).toMatchObject({
        file: 'k8s/broken.yaml',
        line: expect.any(Number),
        column: expect.any(Number),
      });
      expect(error.detail).toMatch(/\|.*\n\s+\|\s*\^/);
    }
    expect(repo.read('k8s/broken.yaml')).toBe(broken);
    expect(repo.read('k8s/good.yaml')).toBe(deployment(`${REPO}:${STALE}`));
  });

  it('skips a Helm template in the default set with a warning, and fixes the rest', async () => {
    const template = `apiVersion: apps/v1\nkind: Deployment\n{{- if .Values.enabled }}\nspec:\n  image: {{ .Values.image }}\n{{- end }}\n`;
    const repo = gitRepo({
      'default.nix': plainImage,
      '.nixtagrc.yaml': config(),
      'deploy/template.yaml': template,
      'deploy/app.yaml': deployment(`${REPO}:${STALE}`),
    });
    const result = await fix({ cwd: repo.dir });
    // Where the parser stopped, and its reason without a dangling colon.
    expect(result.warnings).toEqual([
      {
        file: 'deploy/template.yaml',
        line: 3,
        message: expect.stringMatching(/^Skipped deploy\/template\.yaml:3:\d+: not YAML \([^)]*[^:)]\)\.$/),
      },
    ]);
    expect(result.references.map((reference) => reference.status)).toEqual(['fixed']);
    expect(repo.read('deploy/template.yaml')).toBe(template);
  });

  it('skips binary and non-UTF-8 files with a warning', async () => {
    const repo = gitRepo({
      'default.nix': plainImage,
      '.nixtagrc.yaml': config(),
      'a.yaml': deployment(`${REPO}:${STALE}`),
    });
    writeFileSync(path.join(repo.dir, 'binary.yaml'), Buffer.from([0x69, 0x6d, 0x61, 0x67, 0x65, 0x00, 0x01]));
    writeFileSync(path.join(repo.dir, 'latin1.yaml'), Buffer.from(`image: ${REPO}:caf\xe9`, 'latin1'));
    repo.commit('odd files');
    const result = await check({ cwd: repo.dir });
    expect(result.warnings).toEqual(
      expect.arrayContaining([
        { file: 'binary.yaml', line: null, message: 'Skipped binary.yaml: binary content.' },
        { file: 'latin1.yaml', line: null, message: 'Skipped latin1.yaml: not UTF-8.' },
      ]),
    );
    expect(result.references).toHaveLength(1);
  });

  it('rewrites through a symlink once, keeping the link, and never writes through a dangling one', async () => {
    const repo = gitRepo({
      'default.nix': plainImage,
      '.nixtagrc.yaml': config(),
      'real/app.yaml': deployment(`${REPO}:${STALE}`),
    });
    symlinkSync('../real/app.yaml', path.join(repo.dir, 'k8s-link.yaml'));
    symlinkSync('missing.yaml', path.join(repo.dir, 'dangling.yaml'));
    repo.commit('links');
    const tag = (await hash({ cwd: repo.dir })).images[0]!.hash;
    const result = await fix({ cwd: repo.dir });
    expect(result.references.map((reference) => [reference.file, reference.status])).toEqual([
      ['real/app.yaml', 'fixed'],
    ]);
    expect(result.warnings.some((warning) => warning.message.includes('dangling.yaml is a symlink to nothing'))).toBe(
      true,
    );
    expect(lstatSync(path.join(repo.dir, 'k8s-link.yaml')).isSymbolicLink()).toBe(true);
    expect(repo.read('real/app.yaml')).toBe(deployment(`${REPO}:${tag}`));
    expect(existsSync(path.join(repo.dir, 'missing.yaml'))).toBe(false);
  });

  it('refuses to write through a symlink that leaves the repository', async () => {
    const outside = path.join(tempDir(), 'shared.yaml');
    writeFileSync(outside, deployment(`${REPO}:${STALE}`));
    const repo = gitRepo({ 'default.nix': plainImage, '.nixtagrc.yaml': config() });
    symlinkSync(outside, path.join(repo.dir, 'shared.yaml'));
    repo.commit('outside link');
    expect((await check({ cwd: repo.dir })).ok).toBe(false);
    const error = await failure(fix({ cwd: repo.dir }));
    expect(error.code).toBe('SYMLINK_OUTSIDE_REPOSITORY');
    expect(readFileSync(outside, 'utf8')).toBe(deployment(`${REPO}:${STALE}`));
  });

  it("keeps the file's mode and leaves no temporary file behind", async () => {
    const repo = gitRepo({
      'default.nix': plainImage,
      '.nixtagrc.yaml': config(),
      'k8s/app.yaml': deployment(`${REPO}:${STALE}`),
    });
    chmodSync(path.join(repo.dir, 'k8s/app.yaml'), 0o640);
    await fix({ cwd: repo.dir });
    expect(statSync(path.join(repo.dir, 'k8s/app.yaml')).mode & 0o777).toBe(0o640);
    expect(readdirSync(path.join(repo.dir, 'k8s'))).toEqual(['app.yaml']);
  });

  it('refuses alias bombs and pathological nesting quickly', async () => {
    let bomb = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let level = 1; level < 12; level++)
      bomb += `a${level}: &a${level} [${Array(10)
        .fill(`*a${level - 1}`)
        .join(', ')}]\n`;
    bomb += `image: ${REPO}:${STALE}\n`;
    const deep = `image: ${REPO}:${STALE}\nx: ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
    const repo = gitRepo({
      'default.nix': plainImage,
      '.nixtagrc.yaml': config(),
      'bomb.yaml': bomb,
      'deep.yaml': deep,
    });
    const started = performance.now();
    // The only references are in the files skipped: nothing would be checked, which is an error saying why.
    const unread = await failure(check({ cwd: repo.dir }));
    expect(performance.now() - started).toBeLessThan(20_000); // generous (the machine may be busy): a hang is what this guards against
    expect(unread.code).toBe('CONFIG_UNMATCHED');
    expect(unread.detail).toMatch(/Skipped bomb.yaml:\d+:\d+: .*alias bomb/);
    repo.write({ 'ok.yaml': `image: ${REPO}:${STALE}\n` });
    repo.commit('a manifest nixtag reads');
    const lenient = await check({ cwd: repo.dir });
    const messages = lenient.warnings.map((warning) => warning.message).join('\n');
    expect(messages).toMatch(/Skipped bomb.yaml:\d+:\d+: .*alias bomb/);
    expect(messages).toMatch(/Skipped deep.yaml:\d+:\d+: .*nests too deeply/);

    repo.write({ '.nixtagrc.yaml': config('["bomb.yaml"]') });
    const strict = await failure(check({ cwd: repo.dir }));
    expect(strict.code).toBe('YAML_INVALID');
    expect(strict.message).toMatch(/alias bomb/);
    expect(bytesOf(repo.dir, ['bomb.yaml'])).toEqual([Buffer.from(bomb).toString('hex')]);
  });

  it('refuses a reference it cannot change in place and then writes no file at all', async () => {
    const escaped = `kind: Pod\nspec:\n  containers:\n    - name: app\n      image: "registry.example/\\x61pp:${STALE}"\n`;
    const repo = gitRepo({
      'default.nix': plainImage,
      '.nixtagrc.yaml': config(),
      'a.yaml': deployment(`${REPO}:${STALE}`),
      'b.yaml': escaped,
    });
    const error = await failure(fix({ cwd: repo.dir }));
    expect(error.code).toBe('REWRITE_UNSAFE');
    expect(error.kind).toBe('input');
    expect(error.location?.file).toBe('b.yaml');
    expect(repo.read('a.yaml')).toBe(deployment(`${REPO}:${STALE}`));
    expect(repo.read('b.yaml')).toBe(escaped);
  });
});
