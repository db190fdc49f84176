import { isMap, isScalar } from 'yaml';
import type { ReferenceShape } from './types.js';

/**
 * A ConfigMap's `data` (a Secret's `stringData`) value that is a document of YAML: what a Flux
 * HelmRelease's `valuesFrom` merges over the chart's values (its `valuesKey`, `values.yaml` by
 * default: https://fluxcd.io/flux/components/helm/helmreleases/#values-references), or a
 * mounted values file. Searched inside like Argo CD's `helm.values` (a `{repository, tag}` map
 * there is judged, and rewritten in a literal block); a tag-only one is refused by the charts'
 * rules (chartValues.ts). A Secret's `data` is base64, not read.
 */
export const valuesData: ReferenceShape = {
  context: 'sibling-tag',
  // What it finds inside is found by the other shapes, whose words let the file through.
  keywords: [],
  inDocument(context) {
    const { reader } = context;
    const root = reader.doc.contents;
    if (!isMap(root) || reader.scalar(root, 'apiVersion') === undefined) return;
    const kind = reader.scalar(root, 'kind')?.value;
    const key = kind === 'ConfigMap' ? 'data' : kind === 'Secret' ? 'stringData' : undefined;
    const data = key === undefined ? undefined : reader.value(root, key);
    for (const pair of isMap(data) ? data.items : []) {
      const value = reader.resolve(pair.value);
      if (isScalar(value) && typeof value.value === 'string' && value.value.includes(':'))
        for (const occurrence of context.locateEmbedded(value)) context.add(occurrence);
    }
  },
};
