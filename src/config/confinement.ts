import type { Config } from './schema.js';

/**
 * What the command line keeps from the repository (`--restrict-eval`; `--ci` implies it): Nix
 * is confined whatever the configuration says, may fetch only the pin's URL and the URL prefixes
 * given here, and builds nothing (import-from-derivation would run the repository's builders).
 */
export interface Confinement {
  /**
   * CI mode: the repository is not trusted at all. Its configuration is read as data only,
   * nothing kept under `.git/nixtag` is used, and registries are asked over plain HTTP only
   * where the command line says (or on loopback).
   */
  ci: boolean;
  /** URL prefixes an expression may fetch besides the pin's (`--allow-uri`). */
  allowedUris: readonly string[];
  /** Registries that may be asked over plain HTTP (`--insecure-registry`), in CI mode. */
  insecureRegistries: readonly string[];
}

/** The configuration as a confined run uses it: what it says about confinement does not count. */
export function confine(config: Config, confinement: Confinement | undefined): Config {
  if (confinement === undefined) return config;
  return {
    ...config,
    allowImportFromDerivation: false,
    evaluation: { ...config.evaluation, restrictEval: true, allowedUris: [...confinement.allowedUris] },
    registry: confinement.ci ? { insecure: [...confinement.insecureRegistries] } : config.registry,
  };
}
