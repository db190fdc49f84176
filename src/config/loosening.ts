import type { Confinement } from './confinement.js';
import type { KeyPath } from './locate.js';
import type { Config } from './schema.js';

/**
 * A setting that widens what Nix may read, fetch or run (or where nixtag may send a registry's
 * credentials over plain HTTP), beyond the defaults: where it is written and whether another
 * configuration (HEAD's) grants as much.
 */
export interface Loosening {
  keyPath: KeyPath;
  /** As the user would write it: `evaluation.restrictEval: false`. */
  setting: string;
  grantedBy: (other: Config) => boolean;
}

/**
 * The loosenings `config` asks for that the run obeys: the command line's confinement
 * (`--restrict-eval`, `--ci`) overrides the configuration's Nix settings (confine), and CI mode its
 * plain-HTTP registries too.
 */
export function loosenings(config: Config, confinement: Confinement | undefined): Loosening[] {
  const found: Loosening[] = [];
  if (confinement === undefined) {
    if (config.allowImportFromDerivation) {
      found.push({
        keyPath: ['allowImportFromDerivation'],
        setting: 'allowImportFromDerivation: true',
        grantedBy: (other) => other.allowImportFromDerivation,
      });
    }
    if (!config.evaluation.restrictEval) {
      found.push({
        keyPath: ['evaluation', 'restrictEval'],
        setting: 'evaluation.restrictEval: false',
        grantedBy: (other) => !other.evaluation.restrictEval,
      });
    }
    config.evaluation.allowedUris.forEach((uri, index) =>
      found.push({
        keyPath: ['evaluation', 'allowedUris', index],
        setting: `evaluation.allowedUris: ${uri}`,
        // An unconfined evaluation may fetch any URL; a prefix allows every URL it starts.
        grantedBy: (other) =>
          !other.evaluation.restrictEval || other.evaluation.allowedUris.some((prefix) => uri.startsWith(prefix)),
      }),
    );
  }
  if (confinement?.ci !== true) {
    config.registry.insecure.forEach((host, index) =>
      found.push({
        keyPath: ['registry', 'insecure', index],
        setting: `registry.insecure: ${host}`,
        grantedBy: (other) => other.registry.insecure.includes(host),
      }),
    );
  }
  return found;
}
