/** File names read as manifests. Kept apart from the YAML code: the manifest set loads it at start. */

export const YAML_FILE = /\.ya?ml$/i;

/** Every file name kustomize reads a kustomization from, the extension-less one included. */
export const KUSTOMIZATION_FILE = /(^|\/)(kustomization\.ya?ml|Kustomization)$/;
