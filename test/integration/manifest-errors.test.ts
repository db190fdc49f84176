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
import { execFileSync } from 'node:child_process';

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

  it('skips a file that is not YAML and names no managed image with a warning, and fixes the rest', async () => {
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
        // Not under a chart's templates/: Helm does not render it, a more lenient reader may read it.
        unparsed: { why: expect.any(String), column: expect.any(Number), limit: false },
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

  it('refuses to judge or write through a symlink that leaves the repository, whatever its tag', async () => {
    const outside = path.join(tempDir(), 'shared.yaml');
    writeFileSync(outside, deployment(`${REPO}:${STALE}`));
    const repo = gitRepo({ 'default.nix': plainImage, '.nixtagrc.yaml': config() });
    symlinkSync(outside, path.join(repo.dir, 'shared.yaml'));
    repo.commit('outside link');
    for (const run of [
      () => check({ cwd: repo.dir }),
      () => check({ cwd: repo.dir, source: { kind: 'index' } }),
      () => fix({ cwd: repo.dir }),
    ]) {
      const error = await failure(run());
      expect(error.code).toBe('SYMLINK_OUTSIDE_REPOSITORY');
      expect(error.message).toContain('shared.yaml is a symlink to');
    }
    expect(readFileSync(outside, 'utf8')).toBe(deployment(`${REPO}:${STALE}`));
    // The tag this machine's file holds is current: CI's clone, where the link leads nowhere, still cannot deploy it.
    writeFileSync(outside, deployment(`${REPO}:${(await hash({ cwd: repo.dir })).images[0]!.hash}`));
    expect((await failure(check({ cwd: repo.dir }))).code).toBe('SYMLINK_OUTSIDE_REPOSITORY');
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
    const deep = `x: ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
    const repo = gitRepo({
      'default.nix': plainImage,
      '.nixtagrc.yaml': config(),
      'bomb.yaml': `${bomb}image: ${REPO}:${STALE}\n`,
      'deep.yaml': `image: ${REPO}:${STALE}\n${deep}`,
    });
    const started = performance.now();
    // They name the managed image: CI reads past nixtag's limits, so neither may pass unread.
    const unread = await failure(check({ cwd: repo.dir }));
    expect(performance.now() - started).toBeLessThan(20_000); // generous (the machine may be busy): a hang is what this guards against
    expect(unread.code).toBe('YAML_LIMIT');
    expect(unread.location).toMatchObject({ file: 'bomb.yaml', line: expect.any(Number) });
    expect(unread.message).toMatch(/bomb\.yaml .*alias bomb.*names a managed image at line 13/);
    repo.write({ 'bomb.yaml': `${bomb}image: other.example/x:1\n` });
    repo.commit('the bomb names another image');
    const deeper = await failure(check({ cwd: repo.dir }));
    expect(deeper.code).toBe('YAML_LIMIT');
    expect(deeper.message).toMatch(/deep\.yaml .*nests too deeply.*names a managed image at line 1/);
    expect(deeper.hint).toMatch(/file of its own/);
    // Naming no managed image, they are skipped with a warning.
    repo.write({ 'deep.yaml': `image: other.example/x:1\n${deep}`, 'ok.yaml': `image: ${REPO}:${STALE}\n` });
    repo.commit('a manifest nixtag reads');
    const lenient = await check({ cwd: repo.dir });
    const messages = lenient.warnings.map((warning) => warning.message).join('\n');
    expect(messages).toMatch(/Skipped bomb.yaml:\d+:\d+: .*alias bomb/);
    expect(messages).toMatch(/Skipped deep.yaml:\d+:\d+: .*nests too deeply/);

    repo.write({ '.nixtagrc.yaml': config('["bomb.yaml"]') });
    const strict = await failure(check({ cwd: repo.dir }));
    expect(strict.code).toBe('YAML_INVALID');
    expect(strict.message).toMatch(/alias bomb/);
    expect(bytesOf(repo.dir, ['bomb.yaml'])).toEqual([
      Buffer.from(`${bomb}image: other.example/x:1\n`).toString('hex'),
    ]);
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

/** An annotation as Prometheus rules write it: a quoted `{{ }}` continued on a line indented less (PyYAML and go-yaml read it). */
const continued = (quote: string) => `  annotations:\n    summary: ${quote}{{ $labels.pod }} is\n down${quote}\n`;
const staleDeployment = (extra = '') =>
  deployment(`${REPO}:${STALE}`).replace('  name: app\n', `  name: app\n${extra}`);

describe('a file nixtag cannot read fails closed where CI reads what it says (F4)', () => {
  const refusedAt = async (files: Record<string, string>, file: string, code = 'YAML_INVALID') => {
    const repo = gitRepo({ 'default.nix': plainImage, '.nixtagrc.yaml': config(), ...files });
    const error = await failure(check({ cwd: repo.dir }));
    expect([error.code, error.location?.file]).toEqual([code, file]);
    expect(error.hint).toBeDefined();
    return error;
  };

  it('refuses one holding `{{` in a quoted value, whatever construct the yaml library stops at', async () => {
    const double = await refusedAt({ 'deploy.yaml': staleDeployment(continued('"')) }, 'deploy.yaml');
    expect(double.location).toMatchObject({ line: 6, column: expect.any(Number) });
    expect(double.message).toMatch(/deploy\.yaml at line 6 .*names a managed image at line 13/);
    await refusedAt({ 'deploy.yaml': staleDeployment(continued("'")) }, 'deploy.yaml');
    // A flow sequence continued at a lower indent, `{{` inside.
    const flow = `  labels: {a: "{{ .x }}",\nb: c}\n`;
    await refusedAt({ 'deploy.yaml': staleDeployment(flow) }, 'deploy.yaml');
    // `{{` only in a comment of a file that is not YAML.
    await refusedAt({ 'deploy.yaml': `# {{ x }}\n${staleDeployment(continued('"'))}` }, 'deploy.yaml');
  });

  it('refuses template syntax outside a chart: Helm renders only a chart’s templates/', async () => {
    const goTemplate = `{{- if .Values.x }}\nimage: ${REPO}:${STALE}\n{{- end }}\n`;
    await refusedAt({ 'k8s/template.yaml': goTemplate }, 'k8s/template.yaml');
    // templates/ with no Chart.yaml above it is no chart.
    await refusedAt({ 'app/templates/deploy.yaml': goTemplate }, 'app/templates/deploy.yaml');
    await refusedAt({ 'k8s/jinja.yaml': `{% if x %}\nimage: ${REPO}:${STALE}\n{% endif %}\n` }, 'k8s/jinja.yaml');
  });

  it("keeps a chart's templates skipped (a subchart's too): Helm renders them, only mentions are told", async () => {
    const goTemplate = `spec:\n{{- if .Values.x }}\n  image: ${REPO}:${STALE}\n{{- end }}\n`;
    const repo = gitRepo({
      'default.nix': plainImage,
      '.nixtagrc.yaml': config(),
      'chart/Chart.yaml': 'apiVersion: v2\nname: app\nversion: 1.0.0\n',
      'chart/templates/deploy.yaml': goTemplate,
      'chart/templates/nested/deploy.yaml': goTemplate,
      'chart/charts/sub/Chart.yaml': 'apiVersion: v2\nname: sub\nversion: 1.0.0\n',
      'chart/charts/sub/templates/deploy.yaml': goTemplate,
      'ok.yaml': deployment(`${REPO}:${STALE}`),
    });
    const result = await check({ cwd: repo.dir });
    expect(result.references.map((reference) => reference.file)).toEqual(['ok.yaml']);
    expect(result.warnings.filter((warning) => warning.message.startsWith('Skipped'))).toEqual([]);
    expect(result.warnings.filter((warning) => warning.mention).map((warning) => warning.file)).toEqual([
      'chart/charts/sub/templates/deploy.yaml',
      'chart/templates/deploy.yaml',
      'chart/templates/nested/deploy.yaml',
    ]);
  });

  it('refuses any kustomization it cannot read, one naming no managed image too', async () => {
    const kustomization = (extra: string) =>
      `commonAnnotations:\n  summary: "{{ $labels.pod }} is\n down"\nresources:\n- deploy.yaml\n${extra}`;
    const files = { 'deploy.yaml': deployment(`${REPO}:${STALE}`) };
    const stale = await refusedAt(
      { ...files, 'kustomization.yaml': kustomization(`images:\n- name: ${REPO}\n  newTag: ${STALE}\n`) },
      'kustomization.yaml',
    );
    expect(stale.message).toMatch(/names a managed image at line 7/);
    const plain = await refusedAt({ ...files, 'k/kustomization.yaml': kustomization('') }, 'k/kustomization.yaml');
    expect(plain.message).toMatch(/the kustomization k\/kustomization\.yaml .*kubectl kustomize/);
    await refusedAt({ ...files, 'k/Kustomization': kustomization('') }, 'k/Kustomization');
  });

  it('refuses one holding a Nix-hash tag without configuration, where that is what is managed', async () => {
    const repo = gitRepo({ 'default.nix': plainImage, 'deploy.yaml': staleDeployment(continued('"')) });
    const error = await failure(check({ cwd: repo.dir }));
    expect([error.code, error.location?.file]).toEqual(['YAML_INVALID', 'deploy.yaml']);
    expect(error.message).toMatch(/holds a tag that is a Nix hash at line 13/);
  });

  it('skips one naming no managed image with a warning', async () => {
    const repo = gitRepo({
      'default.nix': plainImage,
      '.nixtagrc.yaml': config(),
      'rules.yaml': `image: other.example/x:1\ngroups:\n- rules:\n${continued('"')}`,
      'ok.yaml': deployment(`${REPO}:${STALE}`),
    });
    const result = await check({ cwd: repo.dir });
    expect(result.references).toHaveLength(1);
    expect(result.warnings.map((warning) => warning.file)).toEqual(['rules.yaml']);
  });
});

describe('a limit of nixtag reading fails closed, in any document (F6)', () => {
  const aliased = `apiVersion: v1\nkind: ConfigMap\nlist: &a [${Array(50_000).fill('v').join(', ')}]\ncopies:\n${Array.from({ length: 25 }, (_, index) => `  c${index}: *a\n`).join('')}`;
  const nested = `apiVersion: v1\nkind: ConfigMap\nnest: ${'['.repeat(900)}${']'.repeat(900)}\n`;
  const limited = async (text: string, file = 'deploy.yaml', files: Record<string, string> = {}) => {
    const repo = gitRepo({ 'default.nix': plainImage, '.nixtagrc.yaml': config(), [file]: text, ...files });
    const error = await failure(check({ cwd: repo.dir }));
    expect([error.code, error.location?.file]).toEqual(['YAML_LIMIT', file]);
    expect(error.hint).toMatch(/file of its own/);
    return error;
  };

  it('refuses the file when a later document passes it, the stale tag in the first', async () => {
    const stale = deployment(`${REPO}:${STALE}`);
    expect((await limited(`${stale}---\n${aliased}`)).message).toMatch(/1,000,000 nodes/);
    expect((await limited(`${stale}---\n${nested}`)).message).toMatch(/nests too deeply/);
  });

  it('refuses it with the limit in the first document and the stale tag in the second', async () => {
    const stale = deployment(`${REPO}:${STALE}`);
    await limited(`${aliased}---\n${stale}`);
    await limited(`${nested}---\n${stale}`);
    // Nested past what nixtag walks (256), within what the yaml library parses.
    await limited(`${`apiVersion: v1\nkind: ConfigMap\nnest: ${'['.repeat(300)}${']'.repeat(300)}\n`}---\n${stale}`);
  });

  it('refuses a kustomization past a limit, one naming no managed image too', async () => {
    await limited(`resources:\n- deploy.yaml\n${nested.slice(nested.indexOf('nest'))}`, 'kustomization.yaml', {
      'deploy.yaml': deployment(`${REPO}:${STALE}`),
    });
  });
});

describe('a manifest that is not a regular file is never read (F7)', () => {
  it('skips a tracked symlink to a device or a FIFO with a warning, at once, and refuses one the configuration names', async () => {
    const repo = gitRepo({
      'default.nix': plainImage,
      '.nixtagrc.yaml': config(),
      'deploy.yaml': deployment(`${REPO}:${STALE}`),
    });
    const fifo = path.join(tempDir(), 'fifo');
    execFileSync('mkfifo', [fifo]);
    symlinkSync('/dev/zero', path.join(repo.dir, 'zero.yaml'));
    symlinkSync('/dev/urandom', path.join(repo.dir, 'random.yaml'));
    symlinkSync(fifo, path.join(repo.dir, 'fifo.yaml'));
    repo.commit('links to what never ends');
    const started = performance.now();
    for (const source of [{ kind: 'worktree' }, { kind: 'index' }] as const) {
      const result = await check({ cwd: repo.dir, source });
      expect(result.references.map((reference) => [reference.file, reference.status])).toEqual([
        ['deploy.yaml', 'stale'],
      ]);
      expect(result.warnings.map((warning) => warning.message)).toEqual(
        expect.arrayContaining([
          'Skipped zero.yaml: it is a character device, not a regular file; nixtag does not read it.',
          'Skipped random.yaml: it is a character device, not a regular file; nixtag does not read it.',
          'Skipped fifo.yaml: it is a FIFO, not a regular file; nixtag does not read it.',
        ]),
      );
    }
    expect(performance.now() - started).toBeLessThan(20_000); // a hang, or memory filled, is what this guards against
    repo.write({ '.nixtagrc.yaml': config('["*.yaml"]') });
    const named = await failure(check({ cwd: repo.dir }));
    expect(named.code).toBe('MANIFEST_UNREADABLE');
    expect(named.location?.file).toMatch(/^(fifo|random|zero)\.yaml$/);
    expect(named.hint).toBeDefined();
  });
});
