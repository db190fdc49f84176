import { describe, expect, it } from 'vitest';
import { nixtagCli } from '../helpers/cli.js';
import { plainImage } from '../helpers/expressions.js';
import { gitRepo } from '../helpers/repo.js';

// A chart as `helm create` lays it out: values leave `image.tag` empty, and the deployment
// template deploys `.Values.image.tag | default .Chart.AppVersion`, so the tag is appVersion.
const REPO = 'registry.example/team/app';

const chartYaml = `apiVersion: v2
name: app
description: A Helm chart for Kubernetes
type: application
version: 0.1.0
# This is the version number of the application being deployed.
appVersion: "1.16.0"
`;

const valuesYaml = `replicaCount: 1

image:
  repository: ${REPO}
  pullPolicy: IfNotPresent
  # Overrides the image tag whose default is the chart appVersion.
  tag: ""
`;

const deploymentTemplate = (tag: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "app.fullname" . }}
spec:
  template:
    spec:
      containers:
        - name: {{ .Chart.Name }}
          image: "{{ .Values.image.repository }}:${tag}"
          imagePullPolicy: {{ .Values.image.pullPolicy }}
`;

const IDIOM = '{{ .Values.image.tag | default .Chart.AppVersion }}';

function chart(extra: Record<string, string> = {}, config = '') {
  const repo = gitRepo({
    'default.nix': plainImage,
    '.nixtagrc.yaml': `images:\n  - name: app\n    nix: default.nix\n    repository: ${REPO}\n${config}`,
    'chart/Chart.yaml': chartYaml,
    'chart/values.yaml': valuesYaml,
    'chart/templates/deployment.yaml': deploymentTemplate(IDIOM),
    ...extra,
  });
  const tag = nixtagCli(repo.dir, ['hash']).stdout.trim();
  return { repo, tag };
}

interface Result {
  references: Array<{ file: string; line: number; status: string; current: string }>;
  warnings: Array<{ file: string; line: number }>;
}
const checkJson = (dir: string, args: string[] = []) => {
  const run = nixtagCli(dir, ['check', '--json', ...args]);
  return { code: run.code, result: JSON.parse(run.stdout) as Result };
};

describe("Helm's appVersion default", () => {
  it('judges Chart.yaml appVersion as the tag, fixes it there, and calls no values line a mention', () => {
    const { repo, tag } = chart();
    const { code, result } = checkJson(repo.dir);
    expect(code).toBe(1);
    expect(result.references.map(({ file, line, status, current }) => [file, line, status, current])).toEqual([
      ['chart/Chart.yaml', 7, 'stale', `${REPO}:1.16.0`],
    ]);
    expect(result.warnings).toEqual([]);
    expect(nixtagCli(repo.dir, ['fix']).code).toBe(0);
    expect(repo.read('chart/Chart.yaml')).toBe(chartYaml.replace('1.16.0', tag));
    expect(repo.read('chart/values.yaml')).toBe(valuesYaml);
    expect(nixtagCli(repo.dir, ['check']).code).toBe(0);
  });

  it('reads the prefix form and a named template, and Chart.yaml beside values named alone in the configuration', () => {
    const { repo, tag } = chart(
      {
        'chart/templates/deployment.yaml': deploymentTemplate('{{ include "app.tag" . }}'),
        'chart/templates/_helpers.tpl':
          '{{- define "app.tag" -}}\n{{- default $.Chart.AppVersion .Values.image.tag }}\n{{- end }}\n',
      },
      '    manifests: ["chart/values.yaml"]\n',
    );
    expect(checkJson(repo.dir).result.references).toMatchObject([{ file: 'chart/Chart.yaml', status: 'stale' }]);
    expect(nixtagCli(repo.dir, ['fix']).code).toBe(0);
    expect(repo.read('chart/Chart.yaml')).toBe(chartYaml.replace('1.16.0', tag));
    repo.commit('fixed');
    expect(nixtagCli(repo.dir, ['check', '--staged']).code).toBe(0);
    // The idiom leaves the helper: values' empty tag is what deploys now. The last verdict, which
    // depended on that template, does not answer for this tree.
    repo.write({ 'chart/templates/_helpers.tpl': '{{- define "app.tag" -}}\n{{ .Values.image.tag }}\n{{- end }}\n' });
    repo.git('add', '--all');
    // As the pre-commit hook asks it (no --json: the question the last judgement may answer).
    const staged = nixtagCli(repo.dir, ['check', '--staged']);
    expect(staged.code).toBe(1);
    expect(staged.stdout + staged.stderr).toContain('chart/values.yaml:7');
  });

  it('leaves values that set the tag, templates without the idiom, and an appVersion two images share as they were judged', () => {
    // A tag in values wins over the default: it is the reference.
    const set = chart({ 'chart/values.yaml': valuesYaml.replace('tag: ""', 'tag: "v2"') });
    expect(checkJson(set.repo.dir).result.references).toMatchObject([
      { file: 'chart/values.yaml', line: 7, status: 'stale', current: `${REPO}:v2` },
    ]);
    // No default in the template: the empty tag deploys nothing, and fix writes it in values.
    const plain = chart({ 'chart/templates/deployment.yaml': deploymentTemplate('{{ .Values.image.tag }}') });
    expect(checkJson(plain.repo.dir).result.references).toMatchObject([
      { file: 'chart/values.yaml', line: 7, status: 'stale' },
    ]);
    // Two images default to one appVersion: it cannot be both tags, so each values tag is judged.
    const two = chart({
      'chart/values.yaml': `${valuesYaml}worker:\n  image:\n    repository: ${REPO}-worker\n    tag: ""\n`,
      // The worker's own repository value beside its tag (the app's repository with the worker's tag
      // would deploy a tag nixtag does not judge there: HELM_OVERRIDE_UNREAD).
      'chart/templates/worker.yaml': deploymentTemplate(
        '{{ .Values.worker.image.tag | default .Chart.AppVersion }}',
      ).replace('.Values.image.repository', '.Values.worker.image.repository'),
    });
    expect(checkJson(two.repo.dir).result.references.map(({ file, line }) => [file, line])).toEqual([
      ['chart/values.yaml', 7],
      ['chart/values.yaml', 11],
    ]);
  });
});
