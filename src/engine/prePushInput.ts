/** One line of git's pre-push input: `<local ref> <local oid> <remote ref> <remote oid>`. */
export interface PushUpdate {
  localRef: string;
  localOid: string;
  remoteRef: string;
  remoteOid: string;
}

const ZERO = /^0+$/;

/** Parses pre-push stdin; blank lines (an up-to-date push sends none) are ignored. */
export function parsePrePushInput(text: string): PushUpdate[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const [localRef = '', localOid = '', remoteRef = '', remoteOid = ''] = line.split(/\s+/);
      return { localRef, localOid, remoteRef, remoteOid };
    });
}

/** A deletion pushes nothing: its local oid is all zeros (40 or 64 characters). */
export function isDeletion(update: PushUpdate): boolean {
  return ZERO.test(update.localOid);
}
