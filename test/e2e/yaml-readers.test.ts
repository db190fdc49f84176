import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeManifest } from '../../src/manifest/decode.js';
import { nixtagCli } from '../helpers/cli.js';
import { deployment, plainImage } from '../helpers/expressions.js';
import { gitRepo } from '../helpers/repo.js';

// Through the built CLI, against what the pipeline's own reader takes from the file: yq (PyYAML),
// as the seed's digest check runs it.
const REPO = 'registry.example/team/app';
const CONFIG = `images:\n  - name: app\n    nix: default.nix\n    repository: ${REPO}\n`;

const yq = (file: string, filter = '.spec.template.spec.containers[0].image') =>
  execFileSync('yq', ['-r', filter, file], { encoding: 'utf8' }).trim();

function repository(files: Record<string, string>) {
  const repo = gitRepo({ 'default.nix': plainImage, '.nixtagrc.yaml': CONFIG, ...files });
  const tag = nixtagCli(repo.dir, ['hash']).stdout.trim();
  return { repo, tag };
}

describe('YAML as the pipeline reads it, through the CLI', () => {
  it('refuses a Deployment with two image keys whose first is current, where it used to pass', () => {
    const { repo, tag } = repository({ 'k8s/app.yaml': deployment(`${REPO}:${'0'.repeat(32)}`) });
    const text = repo.read('k8s/app.yaml').replace(/(\n( +)image: .*)\n/, `\n$2image: ${REPO}:{tag}$1\n`);
    repo.write({ 'k8s/app.yaml': text.replace('{tag}', tag) });
    repo.commit('two image keys');
    // yq deploys the last: the stale one.
    expect(yq(path.join(repo.dir, 'k8s/app.yaml'))).toBe(`${REPO}:${'0'.repeat(32)}`);
    const check = nixtagCli(repo.dir, ['check']);
    expect(check.code).toBe(2);
    expect(check.stderr).toContain('[DUPLICATE_KEY]');
    expect(check.stderr).toMatch(/k8s\/app\.yaml:11:11/);
    expect(check.stderr).toContain('first at line 10');
    expect(nixtagCli(repo.dir, ['fix']).code).toBe(2);
  });

  it('judges and fixes a reference behind an alias key, which it used to not see at all', () => {
    const text = `${deployment(`${REPO}:v1`).replace('name: app\nspec', 'name: &k image\nspec').replace('image:', '*k :')}`;
    const { repo, tag } = repository({ 'k8s/app.yaml': text });
    expect(yq(path.join(repo.dir, 'k8s/app.yaml'))).toBe(`${REPO}:v1`);
    const check = nixtagCli(repo.dir, ['check', '--json']);
    expect(check.code).toBe(1);
    expect(JSON.parse(check.stdout).references).toMatchObject([{ file: 'k8s/app.yaml', line: 10, status: 'stale' }]);
    expect(nixtagCli(repo.dir, ['fix']).code).toBe(0);
    expect(repo.read('k8s/app.yaml')).toBe(text.replace(':v1', `:${tag}`));
    expect(yq(path.join(repo.dir, 'k8s/app.yaml'))).toBe(`${REPO}:${tag}`);
  });

  it("refuses a file its parser cannot read that yq reads and that names the image; a chart's template stays unread", () => {
    // A flow sequence continued at column 1: YAML 1.2 wants it indented, yq and kubectl read it.
    const text = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: [\n{name: a, image: ${REPO}:v1}]\n`;
    const template = `{{- if .Values.enabled }}\nimage: ${REPO}:v1\n{{- end }}\n`;
    const { repo } = repository({
      'k8s/pod.yaml': text,
      'chart/Chart.yaml': 'apiVersion: v2\nname: app\nversion: 1.0.0\n',
      'chart/templates/deploy.yaml': template,
    });
    expect(yq(path.join(repo.dir, 'k8s/pod.yaml'), '.spec.containers[0].image')).toBe(`${REPO}:v1`);
    const check = nixtagCli(repo.dir, ['check']);
    expect(check.code).toBe(2);
    expect(check.stderr).toContain('[YAML_INVALID]');
    expect(check.stderr).toMatch(
      /nixtag could not read k8s\/pod\.yaml at line 6 \(not YAML: .*\), yet it names a managed image at line 7/,
    );
    repo.git('rm', '--quiet', 'k8s/pod.yaml');
    // Its one reference is in the template now: optional, or the configuration fails closed.
    repo.write({ '.nixtagrc.yaml': `${CONFIG.trimEnd()}\n    optional: true\n` });
    repo.commit('only the template');
    const rest = nixtagCli(repo.dir, ['check', '--json']);
    // Helm renders it before anything reads it: not read, its line a mention.
    const warnings = (JSON.parse(rest.stdout) as { warnings: Array<{ file: string | null; message: string }> })
      .warnings;
    expect(warnings).toContainEqual(
      expect.objectContaining({
        file: 'chart/templates/deploy.yaml',
        line: 2,
        message: expect.stringContaining('names'),
      }),
    );
    expect(warnings.filter((warning) => warning.message.startsWith('Skipped'))).toEqual([]);
    expect(rest.stderr).not.toContain('YAML_INVALID');
  });

  it('refuses what it skips that kubectl reads: a manifest nested deeper than it reads, template syntax only in a comment', () => {
    // kustomize and yq read a manifest 300 levels deep; nixtag stops at 256.
    let deep = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: ${REPO}:v1\n  x:\n`;
    for (let level = 0; level < 300; level++) deep += `${'  '.repeat(level + 2)}k${level}:\n`;
    deep += `${'  '.repeat(302)}v: 1\n`;
    // A Prometheus-style `{{ $labels.pod }}` in a comment makes no template of a file yq reads.
    const commented = `# Alert text uses {{ $labels.pod }}\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    note: "see docs for\n  more"\nspec:\n  containers:\n  - name: a\n    image: ${REPO}:v1\n`;
    for (const text of [deep, commented]) {
      const { repo } = repository({ 'k8s/pod.yaml': text });
      // yq (PyYAML) reads the commented one; the deep one ends its recursion, where kubectl reads it.
      if (text === commented) {
        expect(yq(path.join(repo.dir, 'k8s/pod.yaml'), '.spec.containers[0].image')).toBe(`${REPO}:v1`);
      }
      const check = nixtagCli(repo.dir, ['check']);
      expect(check.code).toBe(2);
      if (text === commented) {
        expect(check.stderr).toContain('[YAML_INVALID]');
        expect(check.stderr).toContain('nixtag could not read k8s/pod.yaml at line 7 (not YAML: ');
      } else {
        expect(check.stderr).toContain('[YAML_LIMIT]');
        expect(check.stderr).toContain('nixtag stopped reading k8s/pod.yaml at line 1 (it nests too deeply');
      }
    }
  });

  it('reads UTF-16 and UTF-32 manifests and writes them back in their encoding, byte for byte; binary stays skipped', () => {
    const { repo, tag } = repository({ 'k8s/README.md': 'Manifests in several encodings.\n' });
    const manifests = {
      'k8s/utf16le-bom.yaml': ['utf-16le', '\uFEFF'],
      'k8s/utf16be.yaml': ['utf-16be', ''],
      'k8s/utf32le-bom.yaml': ['utf-32le', '\uFEFF'],
    } as const;
    const text = deployment(`${REPO}:v1`).replaceAll('\n', '\r\n');
    for (const [file, [encoding, bom]] of Object.entries(manifests)) {
      writeFileSync(path.join(repo.dir, file), encodeManifest(bom + text, encoding));
    }
    writeFileSync(path.join(repo.dir, 'k8s/binary.yaml'), Buffer.from([0x41, 0, 1, 0, 2, 0, 3, 0]));
    repo.commit('encodings');
    const check = nixtagCli(repo.dir, ['check', '--json']);
    expect(check.code).toBe(1);
    const result = JSON.parse(check.stdout) as {
      references: Array<{ file: string; line: number; column: number; status: string }>;
      warnings: Array<{ file: string; message: string }>;
    };
    expect(result.references.map(({ file, line, column, status }) => [file, line, column, status])).toEqual(
      Object.keys(manifests)
        .sort()
        .map((file) => [file, 10, 18, 'stale']),
    );
    expect(result.warnings).toEqual([
      expect.objectContaining({ file: 'k8s/binary.yaml', message: expect.stringContaining('binary') }),
    ]);
    expect(nixtagCli(repo.dir, ['fix']).code).toBe(0);
    for (const [file, [encoding, bom]] of Object.entries(manifests)) {
      const expected = encodeManifest(bom + text.replace(':v1', `:${tag}`), encoding);
      expect(readFileSync(path.join(repo.dir, file)).equals(expected)).toBe(true);
    }
    expect(nixtagCli(repo.dir, ['check']).code).toBe(0);
  });

  it('fix --staged stages a UTF-16 manifest in its encoding, and the working-tree copy too', () => {
    const { repo, tag } = repository({});
    const text = `\uFEFF${deployment(`${REPO}:v1`)}`;
    mkdirSync(path.join(repo.dir, 'k8s'));
    writeFileSync(path.join(repo.dir, 'k8s/app.yaml'), encodeManifest(text, 'utf-16le'));
    repo.git('add', 'k8s/app.yaml');
    expect(nixtagCli(repo.dir, ['check', '--staged']).code).toBe(1);
    expect(nixtagCli(repo.dir, ['fix', '--staged']).code).toBe(0);
    const expected = Buffer.from(encodeManifest(text.replace(':v1', `:${tag}`), 'utf-16le'));
    const staged = execFileSync('git', ['cat-file', 'blob', ':k8s/app.yaml'], { cwd: repo.dir });
    expect(staged.equals(expected)).toBe(true);
    expect(readFileSync(path.join(repo.dir, 'k8s/app.yaml')).equals(expected)).toBe(true);
    expect(nixtagCli(repo.dir, ['check', '--staged']).code).toBe(0);
  });
});
