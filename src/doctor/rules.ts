import { ABSOLUTE_PATH_STRING } from '../engine/checkoutPaths.js';
import type { ProbeId } from './probes.js';
import type { Hit, SourceScanner } from './scan.js';

/** What doctor can find; each has a rule below, a message and a fix in messages.ts. */
export type FindingCode =
  | 'checkoutPath'
  | 'nondeterministic'
  | 'checkoutName'
  | 'gitMetadata'
  | 'gitFile'
  | 'untrackedFiles'
  | 'environment'
  | 'unpinnedFetch'
  | 'fetchByBranch'
  | 'nixPath'
  | 'commitId'
  | 'system'
  | 'manifestInSource'
  | 'importFromDerivation'
  | 'submoduleMissing'
  | 'submoduleUnclonable'
  | 'confinedAnswer'
  | 'nixVersion'
  | 'nixVersionRead'
  | 'flakeImpure'
  | 'flakeInput';

/** How one probe's tag compared with the base's. */
type ProbeOutcome = 'same' | 'differs' | 'failed';

/** Everything doctor learnt about one image. */
export interface ImageEvidence {
  image: string;
  /** The expression file, relative to the tree. */
  nix: string;
  /** Files of the tree Nix parsed for it. */
  files: string[];
  /** The derivation holds the checkout's absolute path (engine/checkoutPaths.ts). */
  holdsCheckoutPath?: boolean;
  /** check's evaluation moved in a second checkout at another place (engine/checkoutLocation.ts). */
  movesWithLocation?: boolean;
  /** Nix's error when the image could not be evaluated at all. */
  failure: string | undefined;
  probes: Partial<Record<ProbeId, ProbeOutcome>>;
  /** Nix's error per failed probe. */
  probeFailures: Partial<Record<ProbeId, string>>;
  /** Where confinement answers a question otherwise than CI, as check refuses it (NIX_CONFINED_ANSWER). */
  confinedAnswer?: Place | undefined;
}

/** A submodule CI's recursive clone fetches at a commit this clone does not have. */
export interface MissingSubmodule {
  /** Its path from the root. */
  path: string;
  commit: string;
  /** The repository that records it, from the root ('' for the root itself; a nested one's parent). */
  within: string;
}

/** Where a finding points: a line (1-based), or a file as a whole; a missing submodule's, which. */
export type Place = ({ file: string; line: number; column: number } | { file: string; line: null; column: null }) & {
  submodule?: MissingSubmodule;
  /** A refusal `check` makes there, which the finding reports in its words. */
  refusal?: { message: string; hint: string };
};

export interface DoctorContext {
  /** A pin file is there: `<nixpkgs>` resolves to it. */
  pinned: boolean;
  allowImportFromDerivation: boolean;
  /** The local Nix against the configured `nixVersion` (negative: older here), and where that is. */
  nixVersion?: { order: number; place: Place } | undefined;
  /** Submodules left empty in the checkout, each where it is declared. */
  missingSubmodules?: readonly Place[] | undefined;
  /** Gitlinks CI's clone stops on (check refuses them, SUBMODULE_UNCLONABLE), each where to fix it. */
  unclonableSubmodules?: readonly Place[] | undefined;
}

export interface Rule {
  code: FindingCode;
  /** The constructs whose lines the finding points at, in the files Nix evaluated. */
  construct?: RegExp;
  /** Finds the constructs by reading the code (as check does) rather than by `construct`. */
  find?: (scanner: SourceScanner, files: readonly string[]) => Promise<Hit[]>;
  /**
   * What check does not count in niv's own generated `nix/sources.nix` (nix/source/generated.ts:
   * its reads of the environment, the Nix version and `NIX_PATH`, and its unpinned fetch, are on
   * paths whose answer is settled): such a file is not searched for the construct.
   */
  settledInNiv?: true;
  /** Keeps only the matches that count (a `<nixpkgs>` that the pin serves does not). */
  counts?: (text: string, context: DoctorContext) => boolean;
  /** Where it points when no construct is found (a configuration key, a `.gitmodules` entry, a refusal's place). */
  places?: (context: DoctorContext, evidence: ImageEvidence) => readonly Place[];
  /** Whether the image has it; `located` says whether the construct was found in its files. */
  fires(evidence: ImageEvidence, context: DoctorContext, located: boolean): boolean;
  /** It makes the local verdict differ from CI's: doctor exits 1. */
  differsFromCi(context: DoctorContext): boolean;
}

/** A path literal naming a whole directory (`./.`, `./..`, `../.`): stored under that directory's name. */
const DIRECTORY_PATH = /(?<![\w./+-])\.\.?\/\.\.?(?![\w./+-])/;
/**
 * A file of `.git` named: a path through `.git` (`./.git/config`, `./.git`), a string of a file
 * under it (`"/.git/packed-refs"`), or `.git` appended to a path (`+ "/.git"`, `"${./.}/.git"`).
 */
const GIT_FILE =
  /(?:commitIdFromGitRepo\s+)?(?:\.\.?\/(?:[\w.+-]+\/)*\.git(?![\w.+-])|["/]\.git\/[\w.+-]|\+\s*"\/\.git\b|\}\/\.git\b)/;
/** Nix refusing import-from-derivation (2.8 read-only: a `.drv` it never wrote is not valid). */
const IFD_ERROR = /allow-import-from-derivation|while realising the context of path/;
/** The line of that error, where a trace's nearest position is the import. */
export const IFD_ERROR_LINE = /^.*(?:allow-import-from-derivation|\.drv' is not valid).*$/m;

const probe = (evidence: ImageEvidence, id: ProbeId) => evidence.probes[id];
const isIfd = (text: string | undefined) => text !== undefined && IFD_ERROR.test(text);

/**
 * The findings, one row each: how a probe (a tag that moved, see probes.ts) or the expression's
 * own text shows it, where it points, and whether it changes the verdict. The local verdict
 * differs from CI's when nixtag's tag cannot be CI's (`.git`, the environment, `NIX_PATH`, the
 * commit, a loop, a refused import-from-derivation); the rest are notes: nixtag already pins them,
 * but a plain `nix-build` on this machine would not.
 */
export const RULES: readonly Rule[] = [
  {
    // First: a tag that holds where the tree lies moves with every probe's copy, the control's too.
    code: 'checkoutPath',
    construct: ABSOLUTE_PATH_STRING,
    fires: (evidence) => evidence.holdsCheckoutPath === true || evidence.movesWithLocation === true,
    differsFromCi: () => true,
  },
  {
    // First: when the tag moves by itself, no probe's moving tag says anything (see unstable).
    code: 'nondeterministic',
    settledInNiv: true,
    construct: /\bcurrentTime\b/,
    fires: (evidence, _context, located) => located || probe(evidence, 'control') === 'differs',
    differsFromCi: () => true,
  },
  {
    code: 'checkoutName',
    construct: DIRECTORY_PATH,
    fires: (evidence) => probe(evidence, 'checkoutName') === 'differs',
    differsFromCi: () => false,
  },
  {
    code: 'gitMetadata',
    construct: DIRECTORY_PATH,
    fires: (evidence) => probe(evidence, 'gitMetadata') === 'differs',
    differsFromCi: () => true,
  },
  {
    // A file of `.git` read by name (nix/source/gitReads.ts): no probe's `.git` holds a clone's.
    code: 'gitFile',
    construct: GIT_FILE,
    counts: (text) => !/commitIdFromGitRepo/.test(text),
    fires: (_evidence, _context, located) => located,
    differsFromCi: () => true,
  },
  {
    code: 'untrackedFiles',
    construct: DIRECTORY_PATH,
    fires: (evidence) => probe(evidence, 'untracked') === 'differs' && probe(evidence, 'gitMetadata') !== 'differs',
    differsFromCi: () => false,
  },
  {
    code: 'environment',
    settledInNiv: true,
    construct: /\bgetEnv\b/,
    fires: (evidence, _context, located) => located || probe(evidence, 'environment') === 'differs',
    differsFromCi: () => true,
  },
  {
    // A fetch whose content is what upstream serves when Nix asks: CI's container asks again.
    code: 'unpinnedFetch',
    settledInNiv: true,
    find: (scanner, files) => scanner.unpinnedFetches(files, false),
    fires: (_evidence, _context, located) => located,
    differsFromCi: () => true,
  },
  {
    // The repository fetched by branch: its commit is that branch's in the clone CI makes, if any.
    code: 'fetchByBranch',
    find: (scanner, files) => scanner.unpinnedFetches(files, true),
    fires: (_evidence, _context, located) => located,
    differsFromCi: () => true,
  },
  {
    code: 'nixPath',
    settledInNiv: true,
    construct: /<[A-Za-z0-9._+-]+(?:\/[A-Za-z0-9._+/-]*)?>/,
    counts: (text, context) => !(context.pinned && /^<nixpkgs[/>]/.test(text)),
    fires: (_evidence, _context, located) => located,
    differsFromCi: () => true,
  },
  {
    code: 'commitId',
    construct: /\.(?:rev|shortRev|revCount|lastModified|lastModifiedDate)\b/,
    // A root `./.` takes .git in, so a new commit moves its tag anyway: then only the text tells.
    fires: (evidence, _context, located) =>
      probe(evidence, 'commit') === 'differs' && (probe(evidence, 'gitMetadata') !== 'differs' || located),
    differsFromCi: () => true,
  },
  {
    code: 'system',
    construct: /\bcurrentSystem\b/,
    fires: (evidence) => probe(evidence, 'system') === 'differs',
    differsFromCi: () => false,
  },
  {
    code: 'manifestInSource',
    construct: DIRECTORY_PATH,
    fires: (evidence) => probe(evidence, 'manifests') === 'differs',
    differsFromCi: () => true,
  },
  {
    code: 'importFromDerivation',
    fires: (evidence) => isIfd(evidence.failure) || isIfd(evidence.probeFailures.importFromDerivation),
    differsFromCi: (context) => !context.allowImportFromDerivation,
  },
  {
    // Of the clone, not the expression: one finding per submodule, for every image (CI evaluates
    // them with its files, nixtag without), where it is declared.
    code: 'submoduleMissing',
    places: (context) => context.missingSubmodules ?? [],
    fires: (_evidence, context) => (context.missingSubmodules?.length ?? 0) > 0,
    differsFromCi: () => true,
  },
  {
    // Of the clone, as submoduleMissing: CI's clone step stops on it, and check refuses the tree.
    code: 'submoduleUnclonable',
    places: (context) => context.unclonableSubmodules ?? [],
    fires: (_evidence, context) => (context.unclonableSubmodules?.length ?? 0) > 0,
    differsFromCi: () => true,
  },
  {
    // Confined, `pathExists` outside the repository answers false where CI's Nix looks: check refuses the image.
    code: 'confinedAnswer',
    places: (_context, evidence) => (evidence.confinedAnswer === undefined ? [] : [evidence.confinedAnswer]),
    fires: (evidence) => evidence.confinedAnswer !== undefined,
    differsFromCi: () => true,
  },
  {
    // The expression reads the evaluating Nix's version: CI's answer only on CI's Nix.
    code: 'nixVersionRead',
    settledInNiv: true,
    construct: /\b(?:__)?(?:nixVersion|langVersion)\b/,
    fires: (_evidence, context, located) => located && (context.nixVersion?.order ?? 1) !== 0,
    differsFromCi: () => true,
  },
  {
    // Of the machine, not the expression: one finding for every image, at the configuration key.
    code: 'nixVersion',
    places: (context) => (context.nixVersion === undefined ? [] : [context.nixVersion.place]),
    fires: (_evidence, context) => (context.nixVersion?.order ?? 0) !== 0,
    // Floats in toJSON, builtins one version lacks (adv15 F3): a verdict of another Nix may not be CI's.
    differsFromCi: () => true,
  },
];

/**
 * Evidence with the probes' outcomes dropped when the tag is not reproducible even in an identical
 * copy: then a probe that moved it proves nothing, and only what the text shows is left.
 */
export function trustworthy(evidence: ImageEvidence, unstable: boolean): ImageEvidence {
  return unstable ? { ...evidence, probes: {} } : evidence;
}

/**
 * Whether an image's failure is explained by a finding (else doctor reports Nix's error itself): a
 * missing or unclonable submodule explains an error that names a path inside it.
 */
export function explainsFailure(code: FindingCode, failure: string, context: DoctorContext): boolean {
  if (code === 'submoduleMissing' || code === 'submoduleUnclonable') {
    const named = (dir: string) => ['/', "'", '"', '\n'].some((after) => `${failure}\n`.includes(`/${dir}${after}`));
    const places = (code === 'submoduleMissing' ? context.missingSubmodules : context.unclonableSubmodules) ?? [];
    return places.some(({ submodule }) => submodule !== undefined && named(submodule.path));
  }
  return code === 'nixPath' || code === 'importFromDerivation';
}
