import { describe, expect, it } from 'vitest';
import { nixtagCli } from '../helpers/cli.js';
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

describe('scans remembered by blob id', () => {
  it('judges the index from its own memory: a staged change to one manifest reads that one', () => {
    const repo = gitOpsRepo();
    expect(nixtagCli(repo.dir, ['fix']).code).toBe(0);
    repo.commit('current tags');
    const first = nixtagCli(repo.dir, ['check', '--staged', '--verbose']);
    expect(first.code).toBe(0);
    expect(counts(first.stdout).read).toBe(21); // the checkout is read apart from the working tree
    repo.write({ 'k8s/app3.yaml': deployment(`registry.example/app:${STALE}`) });
    repo.git('add', 'k8s/app3.yaml');
    const staged = nixtagCli(repo.dir, ['check', '--staged', '--verbose']);
    expect(staged.code).toBe(1);
    expect(counts(staged.stdout)).toEqual({ read: 1, remembered: 20 });
    expect(staged.stdout).toContain('k8s/app3.yaml:10:18');
    expect(nixtagCli(repo.dir, ['fix', '--staged']).code).toBe(0);
    expect(repo.git('diff', '--cached', '--name-only').trim()).toBe('');
  });
});
