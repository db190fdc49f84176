import { describe, expect, it } from 'vitest';
import { plainImage } from '../helpers/expressions.js';
import { nixtag } from '../helpers/inProcess.js';
import { gitRepo, n2k8sTag, type Files } from '../helpers/repo.js';
import { freshClone } from '../helpers/trees.js';

// A tag-only value that overrides a chart's `image.tag` (adv13 F4, F5): Helm deploys the chart's
// repository with the override's tag. helm is not installed here, so each row states the tag Helm
// renders, computed by hand from Helm's documented values precedence:
// - `helm -f a.yaml -f b.yaml`: values.yaml, then each -f file in order, merged key by key
//   (a map's other keys are kept: `image: {tag: x}` keeps values.yaml's `image.repository`);
// - a parent chart's values under a subchart's name (or its `alias` in Chart.yaml's
//   dependencies) override the subchart's values.yaml, a `file://` dependency alike;
// - Argo CD hands Helm `valueFiles` as -f files, then `values`/`valuesObject`, then
//   `parameters` as --set, each over the one before;
// - `{{ .Values.image.tag | default .Chart.AppVersion }}`: an override's tag wins over appVersion.
// The tag CI pushes is n2k8s's command in a fresh clone.
const REPO = 'reg.example/app';
const STALE = '1111111111111111111111111111111a';
const config = `images:\n  - name: app\n    nix: default.nix\n    repository: ${REPO}\n`;
const deployment = `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n`;
const chart = (dir: string, tag: string, name = 'app'): Files => ({
  [`${dir}/Chart.yaml`]: `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n`,
  [`${dir}/values.yaml`]: `image:\n  repository: ${REPO}\n  tag: "${tag}"\n`,
  [`${dir}/templates/deployment.yaml`]: deployment,
});
const application = (path: string, helm: string) =>
  `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: app}\nspec:\n  source:\n    repoURL: https://git.example/repo.git\n    path: ${path}\n    helm:\n${helm}  destination: {server: https://kubernetes.default.svc, namespace: app}\n`;

interface Row {
  name: string;
  /** The tree, with CI's tag `tag` where it is current and `override` in the value that overrides it. */
  files: (tag: string, override: string) => Files;
  /**
   * The tag Helm renders for reg.example/app with `override` = STALE, by the rules above; or
   * `unknown` where that depends on which chart a values file is given to, which the tree does not say.
   */
  renders: 'stale' | 'current' | 'unknown';
  /** The file holding the override (reported at its line when stale). */
  at?: string;
  /** What `fix` does to it: rewrites the override in place, or refuses (it cannot map it back). */
  fix?: 'rewrites' | 'refuses';
  /** The text of the line it is reported at, when not the override's own (a folded block: its `values:` line). */
  reportedAt?: string;
  /** The code an `unknown` row is refused with (HELM_VALUES_UNBOUND unless said). */
  refusedWith?: string;
  /** What the refusal says besides. */
  says?: string;
  configuration?: string;
}

const ROWS: Row[] = [
  {
    name: 'values-prod.yaml (helm -f) sets only image.tag',
    files: (tag, override) => ({
      ...chart('chart', tag),
      'chart/values-prod.yaml': `replicas: 3\nimage:\n  tag: "${override}"\n`,
    }),
    renders: 'stale',
    at: 'chart/values-prod.yaml',
    fix: 'rewrites',
  },
  {
    name: 'a values file in a subdirectory of the chart, the configuration naming values.yaml alone',
    files: (tag, override) => ({ ...chart('chart', tag), 'chart/env/prod.yaml': `image: {tag: '${override}'}\n` }),
    renders: 'stale',
    at: 'chart/env/prod.yaml',
    fix: 'rewrites',
    configuration: `${config}    manifests: ["chart/values.yaml"]\n`,
  },
  {
    name: 'registry + repository in values.yaml, the overlay sets the tag',
    files: (tag, override) => ({
      ...chart('chart', tag),
      'chart/values.yaml': `image:\n  registry: reg.example\n  repository: app\n  tag: "${tag}"\n`,
      'chart/values-prod.yaml': `image:\n  tag: "${override}" # prod\n`,
    }),
    renders: 'stale',
    at: 'chart/values-prod.yaml',
    fix: 'rewrites',
  },
  {
    name: 'an overlay setting another key path (control)',
    files: (tag, override) => ({
      ...chart('chart', tag),
      'chart/values-prod.yaml': `sidecar:\n  tag: "${override}"\n`,
    }),
    renders: 'current',
  },
  {
    name: 'umbrella chart: parent values.yaml under the subchart name',
    files: (tag, override) => ({
      ...chart('umbrella/charts/app', tag),
      'umbrella/Chart.yaml':
        'apiVersion: v2\nname: umbrella\nversion: 0.1.0\ndependencies:\n  - name: app\n    version: 0.1.0\n',
      'umbrella/values.yaml': `app:\n  image:\n    tag: "${override}"\n`,
    }),
    renders: 'stale',
    at: 'umbrella/values.yaml',
    fix: 'rewrites',
  },
  {
    name: 'umbrella chart: parent values under the alias Chart.yaml gives the subchart',
    files: (tag, override) => ({
      ...chart('umbrella/charts/app', tag),
      'umbrella/Chart.yaml':
        'apiVersion: v2\nname: umbrella\nversion: 0.1.0\ndependencies:\n  - name: app\n    alias: web\n    version: 0.1.0\n',
      'umbrella/values.yaml': `web:\n  image:\n    tag: "${override}"\n`,
    }),
    renders: 'stale',
    at: 'umbrella/values.yaml',
    fix: 'rewrites',
  },
  {
    name: "umbrella chart: the parent's values-prod.yaml",
    files: (tag, override) => ({
      ...chart('umbrella/charts/app', tag),
      'umbrella/Chart.yaml': 'apiVersion: v2\nname: umbrella\nversion: 0.1.0\n',
      'umbrella/values.yaml': 'app: {}\n',
      'umbrella/values-prod.yaml': `app:\n  image:\n    tag: "${override}"\n`,
    }),
    renders: 'stale',
    at: 'umbrella/values-prod.yaml',
    fix: 'rewrites',
  },
  {
    name: 'a file:// dependency: the parent values under its name',
    files: (tag, override) => ({
      ...chart('charts-src/app', tag),
      'parent/Chart.yaml':
        'apiVersion: v2\nname: parent\nversion: 0.1.0\ndependencies:\n  - name: app\n    version: 0.1.0\n    repository: file://../charts-src/app\n',
      'parent/values.yaml': `app:\n  image:\n    tag: "${override}"\n`,
    }),
    renders: 'stale',
    at: 'parent/values.yaml',
    fix: 'rewrites',
  },
  {
    name: 'the overlay of a chart whose template defaults the tag to appVersion',
    files: (tag, override) => ({
      'chart/Chart.yaml': `apiVersion: v2\nname: app\nversion: 0.1.0\nappVersion: "${tag}"\n`,
      'chart/values.yaml': `image:\n  repository: ${REPO}\n  tag: ""\n`,
      'chart/templates/deployment.yaml': deployment.replace(
        '{{ .Values.image.tag }}',
        '{{ .Values.image.tag | default .Chart.AppVersion }}',
      ),
      'chart/values-prod.yaml': `image:\n  tag: "${override}"\n`,
    }),
    renders: 'stale',
    at: 'chart/values-prod.yaml',
    fix: 'rewrites',
  },
  {
    name: 'Argo CD helm.parameters image.tag over a chart of the repository',
    files: (tag, override) => ({
      ...chart('chart', tag),
      'argo/app.yaml': application(
        'chart',
        `      parameters:\n        - name: image.tag\n          value: "${override}"\n`,
      ),
    }),
    renders: 'stale',
    at: 'argo/app.yaml',
    fix: 'rewrites',
  },
  {
    name: 'Argo CD helm.valuesObject image.tag (path ./chart/)',
    files: (tag, override) => ({
      ...chart('chart', tag),
      'argo/app.yaml': application('./chart/', `      valuesObject:\n        image:\n          tag: "${override}"\n`),
    }),
    renders: 'stale',
    at: 'argo/app.yaml',
    fix: 'rewrites',
  },
  {
    name: 'Argo CD helm.values as a literal block',
    files: (tag, override) => ({
      ...chart('chart', tag),
      'argo/app.yaml': application('chart', `      values: |\n        image:\n          tag: "${override}"\n`),
    }),
    renders: 'stale',
    at: 'argo/app.yaml',
    fix: 'rewrites',
  },
  {
    name: 'Argo CD helm.values as a folded block',
    files: (tag, override) => ({
      ...chart('chart', tag),
      'argo/app.yaml': application('chart', `      values: >\n        image: {tag: "${override}"}\n`),
    }),
    renders: 'stale',
    at: 'argo/app.yaml',
    fix: 'refuses',
    reportedAt: 'values: >',
  },
  {
    name: 'Argo CD parameters over another chart, of an unmanaged image (control)',
    files: (tag, override) => ({
      ...chart('chart', tag),
      'other/Chart.yaml': 'apiVersion: v2\nname: other\nversion: 0.1.0\n',
      'other/values.yaml': 'image:\n  repository: docker.io/library/redis\n  tag: "7"\n',
      'argo/app.yaml': application(
        'other',
        `      parameters:\n        - name: image.tag\n          value: "${override}"\n`,
      ),
    }),
    renders: 'current',
  },
  {
    name: "Argo CD parameters over an umbrella chart: app.image.tag is the subchart's",
    files: (tag, override) => ({
      ...chart('umbrella/charts/app', tag),
      'umbrella/Chart.yaml': 'apiVersion: v2\nname: umbrella\nversion: 0.1.0\n',
      'umbrella/values.yaml': 'app: {}\n',
      'argo/app.yaml': application(
        'umbrella',
        `      parameters:\n        - name: app.image.tag\n          value: "${override}"\n`,
      ),
    }),
    renders: 'stale',
    at: 'argo/app.yaml',
    fix: 'rewrites',
  },
  {
    name: 'a Flux HelmRelease of the chart (spec.chart.spec.chart) with spec.values image.tag',
    files: (tag, override) => ({
      ...chart('chart', tag),
      'flux/release.yaml': `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: app}\nspec:\n  chart:\n    spec:\n      chart: ./chart\n      sourceRef: {kind: GitRepository, name: repo}\n  values:\n    image:\n      tag: "${override}"\n`,
    }),
    renders: 'stale',
    at: 'flux/release.yaml',
    fix: 'rewrites',
  },
  {
    name: 'a Flux HelmRelease of the chart spelled with a dot-dot segment (./x/../chart)',
    files: (tag, override) => ({
      ...chart('chart', tag),
      'flux/release.yaml': `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: app}\nspec:\n  chart:\n    spec:\n      chart: ./x/../chart\n      sourceRef: {kind: GitRepository, name: repo}\n  values:\n    image:\n      tag: "${override}"\n`,
    }),
    renders: 'stale',
    at: 'flux/release.yaml',
    fix: 'rewrites',
  },
  {
    name: 'a values file out of every chart directory (helm -f ../envs/prod.yaml, helmfile): refused',
    files: (tag, override) => ({
      ...chart('chart', tag),
      'envs/prod.yaml': `replicas: 2\nimage:\n  tag: "${override}"\n`,
    }),
    renders: 'unknown',
    at: 'envs/prod.yaml',
  },
  {
    name: 'a values file out of every chart that names its own repository (control: judged as written)',
    files: (tag, override) => ({
      ...chart('chart', tag),
      'envs/redis.yaml': `image:\n  repository: docker.io/library/redis\n  tag: "${override}"\n`,
    }),
    renders: 'current',
  },
];

// adv14 F9, F11, F12a: what sets a release's tag from a value nixtag does not read is refused.
// - Flux `valuesFrom` (https://fluxcd.io/flux/components/helm/helmreleases/#values-references):
//   each ConfigMap or Secret is merged over the chart's values in order, its `valuesKey`
//   (values.yaml by default) read as a values document, or, with `targetPath`, set as the value at
//   that dot path; `spec.values` last.
// - Flux `postRenderers` (https://fluxcd.io/flux/components/helm/helmreleases/#post-renderers):
//   helm-controller runs kustomize's `images` and `patches` over the rendered chart.
// - Argo CD `helm.fileParameters` (https://argo-cd.readthedocs.io/en/stable/user-guide/helm/#helm-parameters):
//   `helm --set-file name=path`, the file's content being the value.
const release = (spec: string, extra = '') =>
  `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: app}\nspec:\n  chart:\n    spec:\n      chart: ./chart\n      sourceRef: {kind: GitRepository, name: repo}\n${spec}${extra}`;
const configMap = (data: string) =>
  `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: app-values}\ndata:\n${data}`;
ROWS.push(
  {
    name: 'Flux valuesFrom a ConfigMap with targetPath image.tag: refused',
    files: (tag, override) => ({
      ...chart('chart', tag),
      'flux/release.yaml': release(
        '  valuesFrom:\n    - {kind: ConfigMap, name: app-values, valuesKey: tag, targetPath: image.tag}\n',
        configMap(`  tag: "${override}"\n`),
      ),
    }),
    renders: 'unknown',
    at: 'flux/release.yaml',
    refusedWith: 'HELM_OVERRIDE_UNREAD',
    reportedAt: 'targetPath',
  },
  {
    name: 'Flux valuesFrom a Secret out of the repository with targetPath image: refused',
    files: (tag) => ({
      ...chart('chart', tag),
      'flux/release.yaml': release(
        '  valuesFrom:\n    - kind: Secret\n      name: app-image\n      targetPath: image\n',
      ),
    }),
    renders: 'unknown',
    at: 'flux/release.yaml',
    refusedWith: 'HELM_OVERRIDE_UNREAD',
    reportedAt: 'targetPath',
  },
  {
    name: 'Flux valuesFrom with targetPath replicaCount (control)',
    files: (tag, override) => ({
      ...chart('chart', tag),
      'flux/release.yaml': release(
        '  valuesFrom:\n    - {kind: ConfigMap, name: app-values, valuesKey: n, targetPath: replicaCount}\n',
        configMap(`  n: "3"\n  note: "${override}"\n`),
      ),
    }),
    renders: 'current',
  },
  {
    name: 'a ConfigMap whose values.yaml (a quoted string) sets image.tag, for Flux valuesFrom: refused',
    files: (tag, override) => ({
      ...chart('chart', tag),
      'flux/release.yaml': release(
        '  valuesFrom:\n    - {kind: ConfigMap, name: app-values}\n',
        configMap(`  values.yaml: "image:\\n  tag: \\"${override}\\"\\n"\n`),
      ),
    }),
    says: 'the values document in `data.values.yaml`',
    renders: 'unknown',
    at: 'flux/release.yaml',
  },
  {
    name: 'a ConfigMap whose values.yaml (a literal block) sets image.tag, in a file of its own: refused',
    files: (tag, override) => ({
      ...chart('chart', tag),
      'flux/release.yaml': release('  valuesFrom:\n    - {kind: ConfigMap, name: app-values}\n'),
      'flux/values.yaml': configMap(
        `  values.yaml: |\n    replicaCount: 2\n    image:\n      tag: "${override}"\n`,
      ).slice(4),
    }),
    says: 'the values document in `data.values.yaml`',
    renders: 'unknown',
    at: 'flux/values.yaml',
  },
  // adv15 F10: the same document naming the repository beside the tag is that image's reference.
  {
    name: 'a ConfigMap beside the HelmRelease whose values.yaml (a literal block) names the repository and tag',
    files: (tag, override) => ({
      ...chart('chart', tag),
      'flux/release.yaml': release(
        '  valuesFrom:\n    - {kind: ConfigMap, name: app-values}\n',
        configMap(`  values.yaml: |\n    image:\n      repository: ${REPO}\n      tag: "${override}"\n`),
      ),
    }),
    renders: 'stale',
    at: 'flux/release.yaml',
    fix: 'rewrites',
  },
  {
    name: 'a Secret whose stringData values.yaml names the repository and tag',
    files: (tag, override) => ({
      ...chart('chart', tag),
      'flux/release.yaml': release('  valuesFrom:\n    - {kind: Secret, name: app-values}\n'),
      'flux/secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: app-values}\nstringData:\n  values.yaml: |\n    image: {repository: ${REPO}, tag: "${override}"}\n`,
    }),
    renders: 'stale',
    at: 'flux/secret.yaml',
    fix: 'rewrites',
  },
  {
    name: 'a ConfigMap whose values.yaml sets no tag (control)',
    files: (tag, override) => ({
      ...chart('chart', tag),
      'flux/release.yaml': release(
        '  valuesFrom:\n    - {kind: ConfigMap, name: app-values}\n',
        configMap(`  values.yaml: |\n    replicaCount: 2\n    podAnnotations: {build: "${override}"}\n`),
      ),
    }),
    renders: 'current',
  },
  {
    name: "Flux postRenderers kustomize images naming the chart's repository: refused",
    files: (tag, override) => ({
      ...chart('chart', tag),
      'flux/release.yaml': release(
        `  postRenderers:\n    - kustomize:\n        images:\n          - name: ${REPO}\n            newTag: "${override}"\n`,
      ),
    }),
    renders: 'unknown',
    at: 'flux/release.yaml',
    refusedWith: 'KUSTOMIZE_PATCH',
    reportedAt: `name: ${REPO}`,
  },
  {
    name: 'Flux postRenderers kustomize patch setting the image: refused',
    files: (tag, override) => ({
      ...chart('chart', tag),
      'flux/release.yaml': release(
        `  postRenderers:\n    - kustomize:\n        patches:\n          - target: {kind: Deployment}\n            patch: |\n              - op: replace\n                path: /spec/template/spec/containers/0/image\n                value: ${REPO}:${override}\n`,
      ),
    }),
    renders: 'unknown',
    at: 'flux/release.yaml',
    refusedWith: 'KUSTOMIZE_PATCH',
  },
  {
    name: 'Flux postRenderers kustomize patch of replicas (control)',
    files: (tag, override) => ({
      ...chart('chart', tag),
      'flux/release.yaml': release(
        `  postRenderers:\n    - kustomize:\n        patches:\n          - target: {kind: Deployment}\n            patch: '[{"op": "replace", "path": "/metadata/annotations/b", "value": "${override}"}]'\n`,
      ),
    }),
    renders: 'current',
  },
  {
    name: 'Argo CD helm.fileParameters image.tag: refused',
    files: (tag, override) => ({
      ...chart('chart', tag),
      'chart/tag.txt': `${override}\n`,
      'argo/app.yaml': application(
        'chart',
        '      fileParameters:\n        - name: image.tag\n          path: tag.txt\n',
      ),
    }),
    renders: 'unknown',
    at: 'argo/app.yaml',
    refusedWith: 'HELM_OVERRIDE_UNREAD',
    reportedAt: 'name: image.tag',
  },
  {
    name: 'Argo CD helm.fileParameters of another value (control)',
    files: (tag, override) => ({
      ...chart('chart', tag),
      'chart/note.txt': `${override}\n`,
      'argo/app.yaml': application('chart', '      fileParameters:\n        - name: note\n          path: note.txt\n'),
    }),
    renders: 'current',
  },
);

// adv15 F15: a HelmRelease's `chartRef: {kind: HelmChart, name}` deploys the chart the HelmChart
// builds, its `spec.chart` a path in its GitRepository (https://fluxcd.io/flux/components/helm/helmreleases/#chart-reference),
// with the release's values over it, as `spec.chart.spec.chart` does.
const helmChart = (chartPath: string, source = 'GitRepository') =>
  `apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmChart\nmetadata: {name: app-chart, namespace: apps}\nspec:\n  chart: ${chartPath}\n  sourceRef: {kind: ${source}, name: repo}\n  interval: 10m\n`;
const chartRefRelease = (override: string) =>
  `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: app, namespace: apps}\nspec:\n  chartRef:\n    kind: HelmChart\n    name: app-chart\n  values:\n    image:\n      tag: "${override}"\n`;
ROWS.push(
  {
    name: 'a Flux HelmRelease chartRef to a HelmChart of the chart (another file) with spec.values image.tag',
    files: (tag, override) => ({
      ...chart('chart', tag),
      'flux/chart.yaml': helmChart('./chart'),
      'flux/release.yaml': chartRefRelease(override),
    }),
    renders: 'stale',
    at: 'flux/release.yaml',
    fix: 'rewrites',
  },
  {
    name: 'a Flux HelmRelease chartRef to a HelmChart not in the repository, setting image.tag: refused',
    files: (tag, override) => ({ ...chart('chart', tag), 'flux/release.yaml': chartRefRelease(override) }),
    renders: 'unknown',
    at: 'flux/release.yaml',
    refusedWith: 'HELM_OVERRIDE_UNREAD',
    reportedAt: 'name: app-chart',
  },
  {
    name: 'a Flux HelmRelease chartRef to a HelmChart of a chart repository (control)',
    files: (tag, override) => ({
      ...chart('chart', tag),
      'flux/chart.yaml': helmChart('chart', 'HelmRepository'),
      'flux/release.yaml': chartRefRelease(override),
    }),
    renders: 'current',
  },
);

// adv14 F10: helmfile (https://helmfile.readthedocs.io/en/latest/#configuration) hands a
// release's `set: [{name, value}]` to helm as `--set name=value`, and each inline map under
// `values:` as a values file, over the chart's values.yaml; a local `chart:` is a path relative
// to the helmfile. `set` with `file:` is `--set-file` (the file's content).
const helmfile = (chart: string, release: string) =>
  `releases:\n  - name: app\n    namespace: app\n    chart: ${chart}\n${release}`;
ROWS.push(
  {
    name: 'helmfile releases[].set image.tag',
    files: (tag, override) => ({
      ...chart('chart', tag),
      'helmfile.yaml': helmfile(
        './chart',
        `    set:\n      - name: replicaCount\n        value: 2\n      - name: image.tag\n        value: "${override}"\n`,
      ),
    }),
    renders: 'stale',
    at: 'helmfile.yaml',
    fix: 'rewrites',
  },
  {
    name: 'helmfile releases[].values inline image.tag, the helmfile in a directory of its own',
    files: (tag, override) => ({
      ...chart('chart', tag),
      'deploy/helmfile.yaml': helmfile(
        '../chart',
        `    values:\n      - values-common.yaml\n      - image:\n          tag: "${override}"\n`,
      ),
    }),
    renders: 'stale',
    at: 'deploy/helmfile.yaml',
    fix: 'rewrites',
  },
  {
    name: 'a helmfile.d file setting image.tag',
    files: (tag, override) => ({
      ...chart('chart', tag),
      'helmfile.d/10-app.yaml': helmfile('../chart', `    set:\n      - {name: image.tag, value: "${override}"}\n`),
    }),
    renders: 'stale',
    at: 'helmfile.d/10-app.yaml',
    fix: 'rewrites',
  },
  {
    name: 'helmfile set image.tag from a file: refused',
    files: (tag, override) => ({
      ...chart('chart', tag),
      'tag.txt': `${override}\n`,
      'helmfile.yaml': helmfile('./chart', '    set:\n      - name: image.tag\n        file: tag.txt\n'),
    }),
    renders: 'unknown',
    at: 'helmfile.yaml',
    refusedWith: 'HELM_OVERRIDE_UNREAD',
    reportedAt: 'name: image.tag',
  },
  {
    name: 'helmfile set image.tag of a chart from a chart repository (control)',
    files: (tag, override) => ({
      ...chart('chart', tag),
      'helmfile.yaml': helmfile('bitnami/redis', `    set:\n      - name: image.tag\n        value: "${override}"\n`),
    }),
    renders: 'current',
  },
);

// adv15 F4: helmfile v1 names a templated state file `helmfile.yaml.gotmpl` and renders a
// `*.yaml.gotmpl` values file before handing it to helm as `-f`; `setString` is `--set-string`
// (helmfile's ReleaseSpec `SetStringValues`, https://helmfile.readthedocs.io/en/latest/templating/).
ROWS.push(
  {
    name: 'helmfile.yaml.gotmpl releases[].set image.tag',
    files: (tag, override) => ({
      ...chart('chart', tag),
      'helmfile.yaml.gotmpl': helmfile('./chart', `    set:\n      - name: image.tag\n        value: "${override}"\n`),
    }),
    renders: 'stale',
    at: 'helmfile.yaml.gotmpl',
    fix: 'rewrites',
  },
  {
    name: 'helmfile releases[].setString image.tag',
    files: (tag, override) => ({
      ...chart('chart', tag),
      'helmfile.yaml': helmfile('./chart', `    setString:\n      - name: image.tag\n        value: "${override}"\n`),
    }),
    renders: 'stale',
    at: 'helmfile.yaml',
    fix: 'rewrites',
  },
  {
    name: "a templated values file in the chart's directory (values-prod.yaml.gotmpl)",
    files: (tag, override) => ({
      ...chart('chart', tag),
      'chart/values-prod.yaml.gotmpl': `image:\n  tag: "${override}"\n`,
      'helmfile.yaml': helmfile('./chart', '    values:\n      - chart/values-prod.yaml.gotmpl\n'),
    }),
    renders: 'stale',
    at: 'chart/values-prod.yaml.gotmpl',
    fix: 'rewrites',
  },
  {
    name: 'a templated values file out of every chart (envs/prod.yaml.gotmpl): refused',
    files: (tag, override) => ({
      ...chart('chart', tag),
      'envs/prod.yaml.gotmpl': `image:\n  tag: "${override}"\n`,
      'helmfile.yaml': helmfile('./chart', '    values:\n      - envs/{{ .Environment.Name }}.yaml.gotmpl\n'),
    }),
    renders: 'unknown',
    at: 'envs/prod.yaml.gotmpl',
  },
  {
    name: 'a helmfile.yaml.gotmpl that is YAML only once rendered, setting image.tag: refused',
    files: (tag, override) => ({
      ...chart('chart', tag),
      'helmfile.yaml.gotmpl': helmfile(
        './chart',
        `    set:\n{{- if eq .Environment.Name "prod" }}\n      - name: image.tag\n        value: {{ env "TAG" | default "${override}" }}\n{{- end }}\n`,
      ),
    }),
    renders: 'unknown',
    at: 'helmfile.yaml.gotmpl',
    refusedWith: 'HELM_OVERRIDE_UNREAD',
    reportedAt: '{{- if',
  },
  {
    name: 'a helmfile.yaml set of image.tag to a bare template action ({{ env "TAG" }}): refused',
    files: (tag) => ({
      ...chart('chart', tag),
      'helmfile.yaml': helmfile('./chart', '    set:\n      - name: image.tag\n        value: {{ env "TAG" }}\n'),
    }),
    renders: 'unknown',
    at: 'helmfile.yaml',
    refusedWith: 'HELM_OVERRIDE_UNREAD',
    reportedAt: '{{ env',
  },
  {
    name: "a templated values file in the chart's directory whose tag is a bare template action: refused",
    files: (tag) => ({
      ...chart('chart', tag),
      'chart/values-prod.yaml.gotmpl': 'image:\n  tag: {{ .StateValues.tag }}\n',
    }),
    renders: 'unknown',
    at: 'chart/values-prod.yaml.gotmpl',
    refusedWith: 'HELM_OVERRIDE_UNREAD',
    reportedAt: '{{ .StateValues',
  },
  {
    name: 'a helmfile.yaml.gotmpl that is YAML only once rendered, setting no tag (control)',
    files: (tag) => ({
      ...chart('chart', tag),
      'helmfile.yaml.gotmpl': helmfile(
        './chart',
        '    set:\n{{- if eq .Environment.Name "prod" }}\n      - name: replicaCount\n        value: {{ env "REPLICAS" | default 3 }}\n{{- end }}\n',
      ),
    }),
    renders: 'current',
  },
);

// adv14 F13: Helm renders what a template reads (https://helm.sh/docs/chart_template_guide/builtin_objects/,
// `.Chart.AppVersion` is Chart.yaml's appVersion): a template that deploys the image with
// appVersion, or with another value than the tag nixtag judges in values.yaml, is refused.
const withTemplate = (tag: string, image: string, chartYaml = '', values = ''): Files => ({
  ...chart('chart', tag),
  'chart/Chart.yaml': `apiVersion: v2\nname: app\nversion: 0.1.0\n${chartYaml}`,
  'chart/values.yaml': `image:\n  repository: ${REPO}\n  tag: "${tag}"\n${values}`,
  'chart/templates/deployment.yaml': deployment.replace(
    'image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"',
    image,
  ),
});
ROWS.push(
  {
    name: 'a template deploying .Chart.AppVersion directly beside the values repository: refused',
    files: (tag, override) =>
      withTemplate(
        tag,
        'image: "{{ .Values.image.repository }}:{{ .Chart.AppVersion }}"',
        `appVersion: "${override}"\n`,
      ),
    renders: 'unknown',
    at: 'chart/templates/deployment.yaml',
    refusedWith: 'HELM_OVERRIDE_UNREAD',
    reportedAt: '.Chart.AppVersion',
  },
  {
    name: 'a template deploying a variable given .Chart.AppVersion ({{- $tag := .Chart.AppVersion }}): refused',
    files: (tag, override) =>
      withTemplate(
        tag,
        '{{- $tag := .Chart.AppVersion }}\n          image: "{{ .Values.image.repository }}:{{ $tag }}"',
        `appVersion: "${override}"\n`,
      ),
    renders: 'unknown',
    at: 'chart/templates/deployment.yaml',
    refusedWith: 'HELM_OVERRIDE_UNREAD',
    reportedAt: '{{ $tag }}',
  },
  {
    name: 'a template deploying a variable given another tag value, through a second variable: refused',
    files: (tag, override) =>
      withTemplate(
        tag,
        '{{- $other := .Values.imageTag }}\n{{- $tag := $other }}\n          image: "{{ $.Values.image.repository }}:{{ $tag }}"',
        '',
        `imageTag: "${override}"\n`,
      ),
    renders: 'unknown',
    at: 'chart/templates/deployment.yaml',
    refusedWith: 'HELM_OVERRIDE_UNREAD',
    reportedAt: '{{ $tag }}',
  },
  {
    name: 'a template deploying a variable that defaults the judged tag to appVersion (control)',
    files: (tag, override) =>
      withTemplate(
        tag,
        '{{- $tag := .Values.image.tag | default .Chart.AppVersion }}\n          image: "{{ .Values.image.repository }}:{{ $tag }}"',
        `appVersion: "${override}"\n`,
      ),
    renders: 'current',
  },
  {
    name: 'a template deploying a variable holding the values image map (control)',
    files: (tag, override) =>
      withTemplate(
        tag,
        '{{- $image := .Values.image }}\n          image: "{{ $image.repository }}:{{ $image.tag }}"',
        `appVersion: "${override}"\n`,
      ),
    renders: 'current',
  },
  {
    name: 'a template deploying printf of the repository and .Chart.AppVersion: refused',
    files: (tag, override) =>
      withTemplate(
        tag,
        'image: {{ printf "%s:%s" .Values.image.repository .Chart.AppVersion | quote }}',
        `appVersion: "${override}"\n`,
      ),
    renders: 'unknown',
    at: 'chart/templates/deployment.yaml',
    refusedWith: 'HELM_OVERRIDE_UNREAD',
    reportedAt: '.Chart.AppVersion',
  },
  {
    name: 'a template deploying .Values.imageTag beside the judged image.tag: refused',
    files: (tag, override) =>
      withTemplate(
        tag,
        'image: "{{ .Values.image.repository }}:{{ .Values.imageTag }}"',
        '',
        `imageTag: "${override}"\n`,
      ),
    renders: 'unknown',
    at: 'chart/templates/deployment.yaml',
    refusedWith: 'HELM_OVERRIDE_UNREAD',
    reportedAt: '.Values.imageTag',
  },
  {
    name: 'a template defaulting image.tag to appVersion, the tag set (control: the values tag is deployed)',
    files: (tag, override) =>
      withTemplate(
        tag,
        'image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"',
        `appVersion: "${override}"\n`,
      ),
    renders: 'current',
  },
  {
    name: 'appVersion in a label, and a tag read inside `with .Values.image` (control)',
    files: (tag, override) => ({
      ...withTemplate(
        tag,
        'image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"',
        `appVersion: "${override}"\n`,
      ),
      'chart/templates/job.yaml': `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  labels:\n    app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}\nspec:\n  template:\n    spec:\n      containers:\n        - name: migrate\n{{- with .Values.image }}\n          image: "{{ .repository }}:{{ .tag | default $.Chart.AppVersion }}"\n{{- end }}\n`,
    }),
    renders: 'current',
  },
);

/** The line of `file` that holds `text`, 1-based. */
const lineOf = (content: string, text: string) => content.split('\n').findIndex((line) => line.includes(text)) + 1;

describe('a tag-only value that overrides a chart tag is judged as that image (adv13 F4, F5)', () => {
  let ciTag: string | undefined;

  it.each(ROWS)('$name', async (row) => {
    const tag = (ciTag ??= n2k8sTag(freshClone(gitRepo({ 'default.nix': plainImage }).dir)));
    expect(tag).toMatch(/^[0-9a-z]{32}$/);
    const repo = gitRepo({
      'default.nix': plainImage,
      '.nixtagrc.yaml': row.configuration ?? config,
      ...row.files(tag, STALE),
    });
    const check = await nixtag(repo.dir, ['check']);
    if (row.renders === 'current') {
      expect(check.code, check.stdout + check.stderr).toBe(0);
      return;
    }
    const file = row.at!;
    if (row.renders === 'unknown') {
      expect(check.code, check.stdout + check.stderr).toBe(2);
      expect(check.stderr).toContain(row.refusedWith ?? 'HELM_VALUES_UNBOUND');
      expect(check.stderr).toContain(`${file}:${lineOf(repo.read(file), row.reportedAt ?? STALE)}:`);
      if (row.says !== undefined) expect(check.stderr).toContain(row.says);
      expect((await nixtag(repo.dir, ['fix'])).code).toBe(2);
      return;
    }
    expect(check.code, check.stdout + check.stderr).toBe(1);
    expect(check.stdout).toContain(`${file}:${lineOf(repo.read(file), row.reportedAt ?? STALE)}:`);
    expect(check.stdout).toContain(STALE);

    const fix = await nixtag(repo.dir, ['fix']);
    if (row.fix === 'refuses') {
      expect(fix.code, fix.stdout + fix.stderr).toBe(2);
      expect(fix.stderr).toContain('REWRITE_UNSAFE');
      expect(repo.read(file)).toBe(row.files(tag, STALE)[file]);
      return;
    }
    expect(fix.code, fix.stdout + fix.stderr).toBe(0);
    // Byte-exact: the override's tag, and nothing else, is rewritten.
    for (const [name, content] of Object.entries(row.files(tag, tag))) expect(repo.read(name), name).toBe(content);
    repo.commit('fix');
    const after = await nixtag(repo.dir, ['check']);
    expect(after.code, after.stdout + after.stderr).toBe(0);
  });
});

describe('a values file the configuration does not name is read beside its chart, and a change to it matters', () => {
  it('the last judgement does not answer for an overlay changed, or added, after it', async () => {
    const tag = n2k8sTag(freshClone(gitRepo({ 'default.nix': plainImage }).dir));
    const repo = gitRepo({
      'default.nix': plainImage,
      '.nixtagrc.yaml': `${config}    manifests: ["chart/values.yaml"]\n`,
      ...chart('chart', tag),
      'chart/env/prod.yaml': `image: {tag: '${tag}'}\n`,
    });
    const first = await nixtag(repo.dir, ['check']);
    expect(first.code, first.stdout + first.stderr).toBe(0);

    repo.write({ 'chart/env/prod.yaml': `image: {tag: '${STALE}'}\n` });
    repo.git('add', 'chart/env/prod.yaml');
    const hook = await nixtag(repo.dir, ['hook', 'pre-commit']);
    expect(hook.code, hook.stdout + hook.stderr).toBe(1);
    const check = await nixtag(repo.dir, ['check']);
    expect(check.code, check.stdout + check.stderr).toBe(1);
    expect(check.stdout).toContain('chart/env/prod.yaml:1:');

    repo.write({ 'chart/env/prod.yaml': `image: {tag: '${tag}'}\n` });
    repo.commit('current again');
    expect((await nixtag(repo.dir, ['check'])).code).toBe(0);
    repo.write({ 'chart/values-staging.yaml': `image:\n  tag: ${STALE}\n` });
    repo.git('add', 'chart/values-staging.yaml');
    const added = await nixtag(repo.dir, ['hook', 'pre-commit']);
    expect(added.code, added.stdout + added.stderr).toBe(1);
    expect(added.stdout + added.stderr).toContain('chart/values-staging.yaml:2:');
  });

  // adv15 F4: a templated helmfile is read whatever the globs, so the hook's skip must not pass it.
  it.each([
    ['the default set', config],
    ['globs naming values.yaml alone', `${config}    manifests: ["chart/values.yaml"]\n`],
  ])('with %s, a helmfile.yaml.gotmpl added after a pass is judged by the hook', async (_, configuration) => {
    const tag = n2k8sTag(freshClone(gitRepo({ 'default.nix': plainImage }).dir));
    const repo = gitRepo({ 'default.nix': plainImage, '.nixtagrc.yaml': configuration, ...chart('chart', tag) });
    const first = await nixtag(repo.dir, ['check']);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    repo.write({
      'helmfile.yaml.gotmpl': helmfile('./chart', `    set:\n      - {name: image.tag, value: "${STALE}"}\n`),
    });
    repo.git('add', 'helmfile.yaml.gotmpl');
    const hook = await nixtag(repo.dir, ['hook', 'pre-commit']);
    expect(hook.code, hook.stdout + hook.stderr).toBe(1);
    expect(hook.stdout + hook.stderr).toContain('helmfile.yaml.gotmpl:6:');
  });
});
