import path from 'node:path';
import { NixtagError } from '../errors.js';
import type { KustomizeGraph, UnparsableKustomization } from '../manifest/kustomize/graph.js';
import { messages } from '../messages.js';
import type { Warning } from '../types.js';

/** Why an unparsable kustomization matters, for the message: what of an image it touches. */
type Why =
  | { by: 'mention'; line: number | null }
  | { by: 'reached'; kustomization: string; manifest: string }
  | { by: 'names'; manifest: string };

/**
 * A kustomization the yaml library cannot parse, outside the manifests read (those are refused as
 * they are read: engine/unread.ts), is refused where what kubectl kustomize deploys of it can be
 * an image's: it names a managed repository, a word of it names an image's manifest (a file, a
 * directory above one, or a kustomization that reaches one), or a kustomization that deploys an
 * image's manifest also reaches it. kubectl reads some YAML the library refuses and would apply
 * its `images:` to what it reaches, unjudged; elsewhere (a test fixture) it is left alone.
 */
export function refuseUnparsableKustomizations(
  graph: KustomizeGraph,
  kustomizations: readonly string[],
  imageFiles: ReadonlySet<string>,
  read: ReadonlySet<string>,
  mentions: readonly Warning[],
): void {
  for (const broken of graph.unparsable) {
    if (read.has(broken.file)) continue;
    const why = whyItMatters(broken, graph, kustomizations, imageFiles, mentions);
    if (why === undefined) continue;
    throw new NixtagError('YAML_INVALID', messages.unparsableKustomization(broken.file, broken.why, describe(why)), {
      location: { file: broken.file, line: broken.line, column: broken.column },
      hint: messages.unparsableKustomizationHint(),
    });
  }
}

function whyItMatters(
  broken: UnparsableKustomization,
  graph: KustomizeGraph,
  kustomizations: readonly string[],
  imageFiles: ReadonlySet<string>,
  mentions: readonly Warning[],
): Why | undefined {
  const mention = mentions.find(({ file }) => file === broken.file);
  if (mention !== undefined) return { by: 'mention', line: mention.line };
  const deployed = (kustomization: string) =>
    [...(graph.reach(kustomization) ?? [])].find((file) => imageFiles.has(file));
  for (const kustomization of kustomizations) {
    if (kustomization === broken.file || graph.reach(kustomization)?.has(broken.file) !== true) continue;
    const manifest = deployed(kustomization);
    if (manifest !== undefined) return { by: 'reached', kustomization, manifest };
  }
  const files = [...imageFiles];
  for (const named of [path.posix.dirname(broken.file), ...broken.paths]) {
    const under = named === '.' ? files[0] : files.find((file) => file === named || file.startsWith(`${named}/`));
    const kustomization = kustomizations.find((file) => file === named || path.posix.dirname(file) === named);
    const manifest =
      under ?? (kustomization === undefined || kustomization === broken.file ? undefined : deployed(kustomization));
    if (manifest !== undefined) return { by: 'names', manifest };
  }
  return undefined;
}

function describe(why: Why): string {
  if (why.by === 'mention') return messages.unparsableKustomizationMentions(why.line);
  if (why.by === 'reached') return messages.unparsableKustomizationReached(why.kustomization, why.manifest);
  return messages.unparsableKustomizationNames(why.manifest);
}
