/** nixtag's library API: what the CLI calls, for scripts and other tools. */
// First: on a Node older than 22 importing nixtag throws a NODE_VERSION error that says so.
import './requireNode.js';
export { check, checkFindings, type CheckRequest, type FindingsCheckRequest } from './engine/check.js';
export type { Confinement } from './config/confinement.js';
export type { RegistryRequest } from './registry/verify.js';
export type { ExpectedDigests } from './registry/digests.js';
export { fix } from './engine/fix.js';
export { hash, type HashRequest } from './engine/hash.js';
export { preCommit, prePush, type HookOptions, type HookResult } from './engine/hook.js';
export { install, type InstallOptions, type InstallResult, type InstallAction } from './install/install.js';
export { init, type InitOptions, type InitResult } from './init/init.js';
export { parsePrePushInput, type PushUpdate } from './engine/prePushInput.js';
export type { RunRequest } from './engine/session.js';
export type {
  CheckResult,
  FixLoop,
  HashResult,
  ImageHash,
  ReferenceResult,
  ReferenceStatus,
  RegistryFinding,
  RegistryStatus,
} from './types.js';
export type { TreeSource } from './tree/source.js';
export { NixtagError, isNixtagError, type ErrorCode, type ErrorKind, type Location } from './errors.js';
export { parseImageReference, canonicalRepository, type ImageReference } from './manifest/reference.js';
export { storePathHashPart, isNixHash } from './nix/storePath.js';
export { configSchema, type Config, type ImageConfig } from './config/schema.js';
export { doctor, type DoctorRequest, type DoctorResult } from './doctor/doctor.js';
export type { Finding } from './doctor/findings.js';
export type { FindingCode, MissingSubmodule } from './doctor/rules.js';
export { pinShow, pinVerify, pinUpdate, type PinRequest, type PinUpdateRequest, type PinResult } from './pin/pin.js';
