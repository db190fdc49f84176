/** nixtag's library API: what the CLI calls, for scripts and other tools. */
export { check } from './engine/check.js';
export { fix } from './engine/fix.js';
export { hash, type HashOptions } from './engine/hash.js';
export type { EngineOptions } from './engine/session.js';
export type { CheckResult, HashResult, ImageHash, ReferenceResult, ReferenceStatus } from './engine/types.js';
export { NixtagError, isNixtagError, type ErrorCode, type ErrorKind, type Location } from './errors.js';
export { parseImageReference, canonicalRepository, type ImageReference } from './manifest/reference.js';
export { storePathHashPart, isNixHash } from './nix/storePath.js';
export { configSchema, type Config, type ImageConfig } from './config/schema.js';
