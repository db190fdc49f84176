import { describe, expect, it } from 'vitest';
import { nixtag } from '../helpers/inProcess.js';
import { deployment, STALE } from '../helpers/expressions.js';
import { gitRepo } from '../helpers/repo.js';

/** The root default.nix, the image nixtag manages without configuration; version.txt is its input. */
const image = `{ system ? builtins.currentSystem }:
derivation {
  name = "docker-image-app.tar.gz";
  inherit system;
  builder = "/bin/sh";
  version = builtins.readFile ./version.txt;
  args = [ "-c" "echo image > $out" ];
}
`;

const MANIFESTS = Array.from({ length: 20 }, (_, index) => `k8s/app${index}.yaml`);
const configMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  level: info\n';
const helmTemplate = 'spec:\n  image: {{ .Values.image }}\n  {{- if .Values.x }}\n';

/** No configuration: every YAML file is read, and the image is inferred from the hash-tagged references. */
function gitOpsRepo() {
  const files: Record<string, string> = {
    'default.nix': image,
    'version.txt': '1\n',
    'k8s/settings.yaml': configMap,
    'chart/templates/deployment.yaml': helmTemplate,
  };
  for (const file of MANIFESTS) files[file] = deployment(`registry.example/app:${STALE}`);
  return gitRepo(files);
}

/** The "manifests: N read, M unchanged" line of `--verbose`. */
function counts(stdout: string): { read: number; remembered: number } {
  const match = /manifests: (\d+) read, (\d+) unchanged/.exec(stdout);
  expect(match, stdout).not.toBeNull();
  return { read: Number(match![1]), remembered: Number(match![2]) };
}

const expectedTag = async (repo: { dir: string }) => {
  const run = await nixtag(repo.dir, ['check', '--json', '--no-cache']);
  const expected = JSON.parse(run.stdout).references[0].expected as string;
  return expected.slice(expected.lastIndexOf(':') + 1);
};

describe('scans remembered by blob id', () => {
  it('reads only the manifests that changed, with the same verdicts and rewrites as a fresh scan', async () => {
    const repo = gitOpsRepo();
    const first = await nixtag(repo.dir, ['check', '--verbose']);
    expect(first.code, first.stderr).toBe(1);
    expect(counts(first.stdout)).toEqual({ read: 21, remembered: 0 });
    expect(first.stderr).toContain('chart/templates/deployment.yaml');

    // Nothing changed: nothing is read, the skipped template is still reported.
    const again = await nixtag(repo.dir, ['check', '--verbose']);
    expect(again.code).toBe(1);
    expect(counts(again.stdout)).toEqual({ read: 0, remembered: 21 });
    const warnings = (stderr: string) => stderr.split('\n').filter((line) => line.includes('warning:'));
    expect(warnings(again.stderr)).toEqual(warnings(first.stderr));
    expect(warnings(again.stderr).join('\n')).toContain('chart/templates/deployment.yaml:3:3: not YAML');
    expect(again.stdout.replace(/.*manifests:.*\n/, '')).toBe(first.stdout.replace(/.*manifests:.*\n/, ''));

    // fix rewrites remembered manifests: it parses what it writes, and only the tag changes.
    const tag = await expectedTag(repo);
    expect((await nixtag(repo.dir, ['fix'])).code).toBe(0);
    for (const file of MANIFESTS) expect(repo.read(file)).toBe(deployment(`registry.example/app:${tag}`));
    const fixed = await nixtag(repo.dir, ['check', '--verbose']);
    expect(fixed.code).toBe(0);
    expect(counts(fixed.stdout)).toEqual({ read: 20, remembered: 1 });
    repo.commit('current tags');

    // One manifest edited, its reference now three lines lower: that file alone is read.
    const edited = `# moved\n# down\n# three lines\n${deployment(`registry.example/app:${STALE}`)}`;
    repo.write({ 'k8s/app5.yaml': edited });
    const one = await nixtag(repo.dir, ['check', '--verbose']);
    expect(one.code).toBe(1);
    expect(counts(one.stdout)).toEqual({ read: 1, remembered: 20 });
    expect(one.stdout).toContain('k8s/app5.yaml:13:18');

    // An input changed: every tag is stale, no manifest is read, the report is a fresh scan's.
    repo.write({ 'version.txt': '2\n' });
    const input = await nixtag(repo.dir, ['check', '--verbose']);
    expect(input.code).toBe(1);
    expect(counts(input.stdout)).toEqual({ read: 0, remembered: 21 });
    const fresh = await nixtag(repo.dir, ['check', '--verbose', '--no-cache']);
    expect(counts(fresh.stdout)).toEqual({ read: 21, remembered: 0 });
    const withoutCounts = (stdout: string) => stdout.replace(/.*manifests:.*\n/, '');
    expect(withoutCounts(input.stdout)).toBe(withoutCounts(fresh.stdout));
    const statuses = JSON.parse((await nixtag(repo.dir, ['check', '--json'])).stdout).references.map(
      (reference: { status: string }) => reference.status,
    );
    expect(statuses).toEqual(MANIFESTS.map(() => 'stale'));

    const newTag = await expectedTag(repo);
    expect(newTag).not.toBe(tag);
    expect((await nixtag(repo.dir, ['fix'])).code).toBe(0);
    for (const file of MANIFESTS.filter((file) => file !== 'k8s/app5.yaml'))
      expect(repo.read(file)).toBe(deployment(`registry.example/app:${newTag}`));
    expect(repo.read('k8s/app5.yaml')).toBe(edited.replace(STALE, newTag));
    expect((await nixtag(repo.dir, ['check', '--no-cache'])).code).toBe(0);
  });
});

describe('mentions without configuration', () => {
  it('are looked for under the repository the references name now, not the one judged last', async () => {
    const repo = gitRepo({
      'default.nix': image,
      'version.txt': '1\n',
      'k8s/app.yaml': deployment(`registry.example/app:${STALE}`),
      // A place an image can be named (issue 20: prose is not searched).
      'docs/deploy.env': 'IMAGES="registry.example/app registry.example/web"\n',
    });
    expect((await nixtag(repo.dir, ['fix'])).code).toBe(0);
    const first = await nixtag(repo.dir, ['check', '--json']);
    expect(first.code, first.stderr).toBe(0);
    const mentions = (stdout: string) =>
      (JSON.parse(stdout) as { warnings: Array<{ file: string; message: string }> }).warnings
        .filter((warning) => warning.file === 'docs/deploy.env')
        .map((warning) => warning.message);
    expect(mentions(first.stdout).join('\n')).toContain('registry.example/app');

    // The image is now pushed as registry.example/web: the last judgement named the other one.
    repo.write({ 'k8s/app.yaml': repo.read('k8s/app.yaml').replace('registry.example/app', 'registry.example/web') });
    const cached = await nixtag(repo.dir, ['check', '--json']);
    const fresh = await nixtag(repo.dir, ['check', '--json', '--no-cache']);
    expect(cached.code).toBe(fresh.code);
    expect(mentions(cached.stdout)).toEqual(mentions(fresh.stdout));
    expect(mentions(cached.stdout).join('\n')).toContain('registry.example/web');
    expect(mentions(cached.stdout).join('\n')).not.toContain('registry.example/app');
  });
});
