import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { NixtagError } from '../errors.js';
import { judgedTree } from '../tree/judgedTree.js';
import { listTree } from '../tree/listing.js';
import { stageAll, writeCheckoutBlob, type StagedChange } from '../tree/stage.js';
import { materializeTree } from '../tree/checkout.js';
import { decodeManifest, encodeManifest, type ManifestEncoding } from '../manifest/decode.js';
import { parseManifest } from '../manifest/read.js';
import { rewriteManifest } from '../manifest/rewrite.js';
import { replaceFiles, type FileWrite } from '../manifest/write.js';
import { messages } from '../messages.js';
import { placeTakingIn } from '../nix/source/takesIn.js';
import { journalWrites } from '../state/writeJournal.js';
import type { CheckResult, FixLoop, RefusedWrite } from '../types.js';
import { staleChanges, type Comparison } from './compare.js';
import { expectedTags, type ExpectedTags } from './evaluation.js';
import type { ResolvedImage } from './images.js';
import type { ReferenceSummary } from '../manifest/resolve.js';
import { inspectSession, rememberJudgement, resultOf, type Inspection } from './inspect.js';
import { retagText } from './retag.js';
import { checkoutOptions, heldCheckout, withSession, type Known, type RunRequest, type Session } from './session.js';
import { TreeIndex } from '../treeIndex.js';
import { readOptionalBytes } from '../readOptional.js';

interface PlannedWrite {
  /** The manifest as the tree names it. */
  file: string;
  target: string;
  before: string;
  after: string;
  /** The manifest's encoding: the new text is written back in it. */
  encoding: ManifestEncoding;
  comparisons: Comparison[];
}

/**
 * New text for every manifest with a stale reference, verified before anything is written. A
 * manifest whose scan was remembered is parsed now: only the files fix writes are read again.
 * A submodule's file (another repository, IN_SUBMODULE) is refused on its own, with why: the
 * others are written, and the run exits 2 naming what is left. Any other file fix may not write
 * (a link out of the repository, a file a sparse checkout leaves out) refuses the whole run.
 */
async function planWrites(inspection: Inspection): Promise<{ writes: PlannedWrite[]; refused: RefusedWrite[] }> {
  const stale = inspection.comparisons.filter((comparison) => comparison.result.status === 'stale');
  const groups = [...Map.groupBy(stale, (comparison) => comparison.entry.target)];
  const refused = groups.flatMap(([, group]) => {
    const { file, readOnly } = group[0]!.entry;
    if (readOnly === undefined) return [];
    const { code, message, hint } = readOnly;
    if (code !== 'IN_SUBMODULE') throw new NixtagError(code, message, { location: { file }, hint });
    return [{ file, code, message, hint }];
  });
  const writes = await Promise.all(
    groups
      .filter(([, group]) => group[0]!.entry.readOnly === undefined)
      .map(async ([target, group]) => {
        const entry = group[0]!.entry;
        const manifest = entry.parsed ?? (await parseManifest(entry.file, target));
        const after = rewriteManifest(manifest, staleChanges(manifest, group));
        const { encoding } = manifest;
        return { file: entry.file, target, before: manifest.text, after, encoding, comparisons: group };
      }),
  );
  return { writes, refused };
}

/** replaceFiles, with the directories it writes in journaled for the cleanup after a kill. */
async function journaledReplace(session: Session, writes: FileWrite[], alongside?: () => Promise<void>) {
  const done = journalWrites(
    session.repository.gitDir,
    writes.map((write) => path.dirname(write.target)),
  );
  try {
    await replaceFiles(writes, alongside);
  } finally {
    done();
  }
}

/** The working-tree copy of a staged manifest after the fix, when it can change without losing anything. */
async function worktreeCopy(
  session: Session,
  write: PlannedWrite,
  file: string,
  images: ResolvedImage[],
  tags: ExpectedTags,
  elsewhere: readonly ReferenceSummary[],
): Promise<FileWrite | undefined> {
  const { repository } = session;
  const worktreeFile = path.join(repository.root, file);
  const bytes = await readOptionalBytes(worktreeFile);
  const decoded = bytes && decodeManifest(bytes);
  if (decoded === undefined || 'undecodable' in decoded) return undefined;
  const { text: current, encoding } = decoded;
  const target = await realpath(worktreeFile);
  if (path.relative(repository.root, target).startsWith('..')) return undefined;
  if (current === write.before && encoding === write.encoding) {
    return { target, content: encodeManifest(write.after, encoding), displayFile: file };
  }
  try {
    const retagged = retagText(file, current, images, tags, elsewhere);
    if (retagged.text === current) return undefined;
    return { target, content: encodeManifest(retagged.text, encoding), displayFile: file };
  } catch {
    // The unstaged version cannot be retagged in place (it may not even parse): keep it as it is.
    return undefined;
  }
}

/**
 * The staged blob gets the new text, in every index the commit uses; the working-tree copy too
 * when that loses nothing: when it equals what was staged, or, for a partially staged manifest,
 * by retagging the working-tree text itself so its unstaged edits stay. The working tree and the
 * index change together or not at all: the working-tree files are written first (every byte,
 * then renamed), the index is updated after, and if that fails the files and the index entries
 * already updated get their old content back.
 */
async function stageWrites(
  session: Session,
  writes: PlannedWrite[],
  images: ResolvedImage[],
  tags: ExpectedTags,
  elsewhere: readonly ReferenceSummary[],
): Promise<void> {
  const { repository } = session;
  const root = await realpath(session.manifestRoot);
  const staged: StagedChange[] = [];
  const copies: FileWrite[] = [];
  for (const write of writes) {
    const file = path.relative(root, write.target).split(path.sep).join('/');
    const entry = session.entries.find((candidate) => candidate.path === file);
    const blob = await writeCheckoutBlob(repository, root, file, encodeManifest(write.after, write.encoding));
    staged.push({ file, mode: entry?.mode ?? '100644', blob, previous: entry?.oid });
    const copy = await worktreeCopy(session, write, file, images, tags, elsewhere);
    if (copy !== undefined) copies.push(copy);
  }
  await journaledReplace(session, copies, () => stageAll(repository, staged));
}

/**
 * After a rewrite, the tags of the rewritten tree: if one changed, a manifest is an input of its
 * own image (a `./.` or `cleanSource ./.` source takes it in) and no tag can ever be current.
 */
async function detectLoops(session: Session, writes: PlannedWrite[], images: ResolvedImage[], before: ExpectedTags) {
  const tree = judgedTree(session.repository, session.tree.source);
  const treeId = await tree.id();
  if (treeId === session.treeId) return [];
  // Awaited by the evaluation, or settled before the lock is let go; checked as its own tree's.
  const wanted = checkoutOptions(session.config);
  const held = heldCheckout(session.repository, tree, wanted, materializeTree(session.repository, tree, wanted));
  const { files, gitlinks, sorted } = await listTree(session.repository, treeId);
  const index = TreeIndex.merged(files, gitlinks, sorted);
  const after: Session = { ...session, tree, treeId, entries: files, index, gitlinks, ...held };
  const tags = await expectedTags(after, images);
  const loops: FixLoop[] = [];
  for (const image of images) {
    const tag = tags.get(image.name)?.tag;
    if (tag === undefined || tag === before.get(image.name)?.tag) continue;
    for (const write of writes) {
      if (write.comparisons.some((comparison) => comparison.result.image === image.name)) {
        const source = await sourceTakingIn(await held.checkout, image.config.nix, write.file);
        loops.push({ file: write.file, image: image.name, tag, ...(source === undefined ? {} : { source }) });
      }
    }
  }
  return loops;
}

/** Where the image's own file (its expression, or its flake.nix) takes `manifest` into a source. */
async function sourceTakingIn(root: string, file: string, manifest: string): Promise<FixLoop['source']> {
  const text = await readFile(path.join(root, file), 'utf8').catch(() => undefined);
  const place = text === undefined ? undefined : placeTakingIn(file, text, manifest);
  return place === undefined ? undefined : { file, ...place };
}

/**
 * `nixtag fix`: rewrites every stale reference. Every file's new text is computed and verified
 * before the first write, and all files are replaced together or not at all (replaceFiles), so an
 * error leaves all manifests as they were.
 * With `--staged` the index is rewritten (and the working tree where nothing is lost).
 */
export async function fix(request: RunRequest): Promise<CheckResult> {
  return fixKnown(request, {});
}

/** `fix`, going on from what an earlier step of the run (a hook) found already. */
export async function fixKnown(request: RunRequest, known: Known): Promise<CheckResult> {
  if ((known.tree?.source ?? request.source)?.kind === 'rev') {
    throw new NixtagError('USAGE', messages.fixNeedsWritableTree());
  }
  return withSession(request, known, async (session) => {
    const inspection = await inspectSession(session);
    const { writes, refused } = await planWrites(inspection);
    const partly = (result: CheckResult): CheckResult => (refused.length === 0 ? result : { ...result, refused });
    if (writes.length === 0) {
      const result = resultOf(inspection, session);
      rememberJudgement(session, inspection, result);
      return partly(result);
    }
    const { tags } = inspection;
    const images = inspection.scan.images.filter((image) => tags.has(image.name));
    session.assertLocked();
    // What the manifests write, which a kustomize entry's name is matched against (engine/images.ts).
    const written = inspection.scan.manifests.flatMap((entry) => entry.references.map((found) => found.reference));
    if (session.tree.source.kind === 'index') await stageWrites(session, writes, images, tags, written);
    else
      await journaledReplace(
        session,
        writes.map((write) => ({
          target: write.target,
          content: encodeManifest(write.after, write.encoding),
          displayFile: write.file,
        })),
      );
    for (const write of writes) for (const comparison of write.comparisons) comparison.result.status = 'fixed';
    const loops = await detectLoops(session, writes, images, tags);
    const result = partly(resultOf(inspection, session));
    return loops.length === 0 ? result : { ...result, ok: false, loops };
  });
}
