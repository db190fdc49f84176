/** One record of `git diff-tree -r -z` / `git diff-index -r -z`. */
export interface Change {
  mode: string;
  oid: string;
  status: string;
  path: string;
}

/** The records of a raw, NUL-separated diff (`-r -z`), in order. */
export function parseRawDiff(raw: string): Change[] {
  const fields = raw.split('\0');
  const changes: Change[] = [];
  for (let index = 0; index + 1 < fields.length; index += 2) {
    const header = fields[index]!;
    if (!header.startsWith(':')) break;
    const [, newMode = '', , newOid = '', status = ''] = header.slice(1).split(' ');
    changes.push({ mode: newMode, oid: newOid, status: status.charAt(0), path: fields[index + 1]! });
  }
  return changes;
}
