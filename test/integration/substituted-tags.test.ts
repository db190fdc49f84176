import { describe, expect, it } from 'vitest';
import { deployment, plainImage } from '../helpers/expressions.js';
import { nixtag } from '../helpers/inProcess.js';
import { gitRepo } from '../helpers/repo.js';

// A managed image whose tag a tool fills in at deploy time cannot be judged: refused, never a
// warning that passes whatever value is substituted.
const REPO = 'registry.example/app';
const config = `images:\n  - name: app\n    nix: default.nix\n    repository: ${REPO}\n`;
const flux = (value: string) =>
  `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: app}\nspec:\n  path: ./k8s\n  postBuild:\n    substitute:\n      APP_TAG: ${value}\n`;
const task = (image: string) =>
  `apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: run}\nspec:\n  params: [{name: tag}]\n  steps:\n    - name: run\n      image: ${image}\n`;

describe('a managed image whose tag is substituted at deploy time', () => {
  it.each([
    ["Flux's postBuild substitution", 'k8s/deploy.yaml', `${REPO}:\${APP_TAG}`, 10],
    ['envsubst with a default', 'k8s/deploy.yaml', `"${REPO}:\${APP_TAG:=v1}"`, 10],
    ['a Tekton parameter', 'tekton/task.yaml', `${REPO}:$(params.tag)`, 8],
    ['envsubst without braces', 'k8s/deploy.yaml', `${REPO}:$TAG`, 10],
    ['a sed-style placeholder', 'k8s/deploy.yaml', `${REPO}:@TAG@`, 10],
  ])('is refused with %s, beside a reference that is up to date', async (_, file, image, line) => {
    const repo = gitRepo({ 'default.nix': plainImage, '.nixtagrc.yaml': config, 'clusters/app.yaml': flux('v1') });
    const tag = (await nixtag(repo.dir, ['hash'])).stdout.trim();
    repo.write({
      'k8s/current.yaml': deployment(`${REPO}:${tag}`).replace('name: app\nspec', 'name: current\nspec'),
      [file]: file.startsWith('tekton/') ? task(image) : deployment(image),
    });
    repo.commit('a substituted tag');
    for (const command of [['check'], ['check', '--staged'], ['hook', 'pre-commit'], ['fix']]) {
      const run = await nixtag(repo.dir, command);
      expect(run.code, `${command.join(' ')}: ${run.stdout}${run.stderr}`).toBe(2);
      expect(run.stderr).toContain(`[TAG_SUBSTITUTED]: ${file}:${line}`);
    }
  });

  it('leaves other images and a written tag alone', async () => {
    const repo = gitRepo({ 'default.nix': plainImage, '.nixtagrc.yaml': config, 'clusters/app.yaml': flux('v1') });
    const tag = (await nixtag(repo.dir, ['hash'])).stdout.trim();
    repo.write({
      'k8s/deploy.yaml': deployment(`${REPO}:${tag}`),
      'k8s/other.yaml': deployment('registry.example/other:${OTHER_TAG}').replace(
        'name: app\nspec',
        'name: other\nspec',
      ),
    });
    repo.commit('a written tag');
    const run = await nixtag(repo.dir, ['check']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
  });

  // adv14 F12b: an Argo CD ApplicationSet's template is filled in per generated Application
  // (https://argo-cd.readthedocs.io/en/stable/operator-manual/applicationset/Template/): `{{tag}}`
  // (fasttemplate), `{{ .tag }}` (goTemplate: true) come from the generator's parameters (here a
  // git files generator's config.json), which nixtag does not read: refused, never called stale
  // and overwritten with a literal every generated Application would share.
  const chart = {
    'chart/Chart.yaml': 'apiVersion: v2\nname: app\nversion: 0.1.0\n',
    'chart/templates/deployment.yaml':
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n',
  };
  const appSet = (goTemplate: boolean, source: string) =>
    `apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: app}\nspec:\n${goTemplate ? '  goTemplate: true\n' : ''}  generators:\n    - git:\n        repoURL: https://git.example/repo.git\n        revision: HEAD\n        files: [{path: envs/*/config.json}]\n  template:\n    metadata: {name: 'app-{{path.basename}}'}\n    spec:\n      project: default\n      source:\n        repoURL: https://git.example/repo.git\n        targetRevision: HEAD\n${source}      destination: {server: https://kubernetes.default.svc, namespace: app}\n`;
  it.each([
    [
      'a helm parameter {{tag}}',
      false,
      "        path: chart\n        helm:\n          parameters:\n            - {name: image.tag, value: '{{tag}}'}\n",
      20,
    ],
    [
      'a helm parameter {{ .tag }} (goTemplate)',
      true,
      "        path: chart\n        helm:\n          parameters:\n            - {name: image.tag, value: '{{ .tag }}'}\n",
      21,
    ],
    [
      'a kustomize image {{tag}}',
      false,
      `        path: k8s\n        kustomize:\n          images: ['${REPO}:{{tag}}']\n`,
      19,
    ],
  ] as const)('is refused in an ApplicationSet template: %s', async (_, goTemplate, source, line) => {
    const repo = gitRepo({ 'default.nix': plainImage, '.nixtagrc.yaml': config });
    const tag = (await nixtag(repo.dir, ['hash'])).stdout.trim();
    repo.write({
      ...chart,
      'chart/values.yaml': `image:\n  repository: ${REPO}\n  tag: "${tag}"\n`,
      'k8s/kustomization.yaml': 'resources: [deploy.yaml]\n',
      'k8s/deploy.yaml': deployment(`${REPO}:${tag}`),
      'envs/prod/config.json': `{"tag": "${tag}"}\n`,
      'argo/appset.yaml': appSet(goTemplate, source),
    });
    repo.commit('an ApplicationSet');
    for (const command of [['check'], ['fix']]) {
      const run = await nixtag(repo.dir, command);
      expect(run.code, `${command.join(' ')}: ${run.stdout}${run.stderr}`).toBe(2);
      expect(run.stderr).toContain(`[TAG_SUBSTITUTED]: argo/appset.yaml:${line}`);
    }
    expect(repo.read('argo/appset.yaml')).toBe(appSet(goTemplate, source));
  });

  it("leaves a Helm template's {{ .Values.image.tag }} beside the repository to Helm (a mention)", async () => {
    const repo = gitRepo({ 'default.nix': plainImage, '.nixtagrc.yaml': config });
    const tag = (await nixtag(repo.dir, ['hash'])).stdout.trim();
    repo.write({
      ...chart,
      'chart/values.yaml': `image:\n  tag: "${tag}"\n`,
      'chart/templates/deployment.yaml': chart['chart/templates/deployment.yaml'].replace(
        '{{ .Values.image.repository }}',
        REPO,
      ),
      'k8s/deploy.yaml': deployment(`${REPO}:${tag}`),
    });
    repo.commit('a chart naming the repository in its template');
    const run = await nixtag(repo.dir, ['check']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stderr).not.toContain('TAG_SUBSTITUTED');
  });
});
