/**
 * File names read as manifests, and where a mention is looked for. Kept apart from the YAML code:
 * the manifest set loads it at start, and the skip decision (which loads no YAML) asks it too.
 */

export const YAML_FILE = /\.ya?ml$/i;

/**
 * A file helmfile renders as a Go template before it reads it as YAML: its state file
 * `helmfile.yaml.gotmpl` (helmfile v1's name for a templated one) and a values file
 * `prod.yaml.gotmpl` a release names (https://helmfile.readthedocs.io/en/latest/templating/).
 * Out of the manifest set (`*.yaml` only), read beside the charts whatever the globs
 * (engine/charts.ts), so a change to one always matters.
 */
export const TEMPLATED_VALUES = /\.ya?ml\.gotmpl$/i;

/** Every file name kustomize reads a kustomization from, the extension-less one included. */
export const KUSTOMIZATION_FILE = /(^|\/)(kustomization\.ya?ml|Kustomization)$/;

/**
 * Where an image reference can live outside the shapes nixtag manages: configuration and data
 * files (YAML, JSON, Helm templates, CUE, Jsonnet, Terraform/HCL, TOML, dotenv, Dockerfiles).
 * Prose (a README, a CHANGELOG), scripts and code name images in passing. Each is a git pathspec
 * pattern, where `*` matches any characters, `/` included.
 */
const PLACES: ReadonlyArray<{ pattern: string; icase: boolean }> = [
  ...['yaml', 'yml', 'json', 'tpl', 'gotmpl', 'cue', 'jsonnet', 'libsonnet', 'tf', 'tfvars', 'hcl', 'toml', 'env'].map(
    (extension) => ({ pattern: `*.${extension}`, icase: true }),
  ),
  { pattern: '*Dockerfile*', icase: true },
  { pattern: '*Containerfile*', icase: true },
  { pattern: '*Kustomization', icase: false },
];

/** The places as `git grep` pathspecs. */
export const MENTION_PATHSPECS: readonly string[] = PLACES.map(({ pattern, icase }) =>
  icase ? `:(icase)${pattern}` : pattern,
);

const PLACE_PATTERNS = PLACES.map(
  ({ pattern, icase }) =>
    new RegExp(
      `^${pattern
        .split('*')
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
      icase ? 'is' : 's',
    ),
);

/** Whether a path is one the pathspecs match (the mention memo searches changed paths by it). */
export function isMentionPlace(file: string): boolean {
  return PLACE_PATTERNS.some((pattern) => pattern.test(file));
}
