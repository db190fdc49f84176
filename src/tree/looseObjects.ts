import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';

/*
 * Loose objects read and written without a git process: a blob just staged (read instead of a
 * `cat-file`), the trees of an index change (tree/treeFromDiff.ts) and the commit that stands for an
 * uncommitted tree (tree/checkoutRepository.ts). Each is `<type> <size>\0<content>`, deflated, at
 * `objects/<2 hex>/<rest>`, named by its hash.
 */

/** An object id: 40 hex digits (SHA-1) or 64 (SHA-256). */
export const OBJECT_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** The hash function of a repository whose object ids look like `oid`. */
export const algorithmOf = (oid: string) => (oid.length === 64 ? 'sha256' : 'sha1');

const objectFile = (objects: string, oid: string) => path.join(objects, oid.slice(0, 2), oid.slice(2));

/**
 * The content of a loose object of `type`; undefined when it is packed, not there, of another
 * type, or (with `verify`) not the object its id names.
 */
export function readLooseObject(
  objects: string,
  oid: string,
  type: 'blob' | 'tree',
  options: { verify?: boolean } = {},
): Buffer | undefined {
  let data: Buffer;
  try {
    data = inflateSync(readFileSync(objectFile(objects, oid)));
  } catch {
    return undefined;
  }
  if (options.verify && createHash(algorithmOf(oid)).update(data).digest('hex') !== oid) return undefined;
  const nul = data.indexOf(0);
  if (nul < 0 || data.toString('latin1', 0, nul) !== `${type} ${data.length - nul - 1}`) return undefined;
  return data.subarray(nul + 1);
}

let written = 0;

/**
 * Stores `content` as a loose object of `type` (unless it is there already) and returns its id:
 * deflated at git's level for loose objects, read-only, renamed into place whole.
 */
export function writeLooseObject(objects: string, type: 'tree' | 'commit', content: Buffer, algorithm: string): string {
  const object = Buffer.concat([Buffer.from(`${type} ${content.length}\0`), content]);
  const oid = createHash(algorithm).update(object).digest('hex');
  const file = objectFile(objects, oid);
  if (!existsSync(file)) {
    const directory = path.dirname(file);
    // A new fan-out directory gets the object store's own permissions, as git gives it.
    if (!existsSync(directory)) mkdirSync(directory, { mode: statSync(objects).mode & 0o7777 });
    const temporary = path.join(directory, `tmp_obj_nixtag_${process.pid}_${written++}`);
    writeFileSync(temporary, deflateSync(object, { level: 1 }), { mode: 0o444 });
    renameSync(temporary, file);
  }
  return oid;
}
