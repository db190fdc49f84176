import { readFileSync, readlinkSync, statfsSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { processExists } from '../lifecycle.js';

/**
 * Who holds the repository lock, as its owner file records it. `start`, `boot` and `pidns` are
 * written where the process's start time can be read (Linux); an owner without them (another
 * system, an older nixtag) is judged by age alone.
 */
export interface Owner {
  pid: number;
  host: string;
  token: string;
  since: number;
  /** Field 22 of /proc/<pid>/stat: clock ticks from boot to the process's start. */
  start?: string;
  /** /proc/sys/kernel/random/boot_id: the start time counts from this boot. */
  boot?: string;
  /** The pid namespace (/proc/self/ns/pid): the pid means this process only inside it. */
  pidns?: string;
}

/** What this process writes into the owner file besides its token and time. */
export interface Identity {
  pid: number;
  host: string;
  start?: string;
  boot?: string;
  pidns?: string;
}

/** Field 22 (starttime) of /proc/<pid>/stat, and whether it is a zombie; undefined if unreadable. */
function procStat(pid: number | 'self'): { start: string; zombie: boolean } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // Field 2, the command, is in parentheses and may hold spaces and parentheses itself.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const start = fields[22 - 3];
  return start === undefined || !/^\d+$/.test(start) ? undefined : { start, zombie: fields[0] === 'Z' };
}

function readTrimmed(file: string, read: (file: string) => string): string | undefined {
  try {
    return read(file).trim();
  } catch {
    return undefined;
  }
}

let own: Identity | undefined;

/** This process, as an owner file names it (read once per process). */
export function ownIdentity(): Identity {
  if (own !== undefined) return own;
  const start = procStat('self')?.start;
  const boot = readTrimmed('/proc/sys/kernel/random/boot_id', (file) => readFileSync(file, 'utf8'));
  const pidns = readTrimmed('/proc/self/ns/pid', readlinkSync);
  own = { pid: process.pid, host: hostname() };
  // All three or none: a start time means something only with its boot and pid namespace.
  if (start !== undefined && boot !== undefined && pidns !== undefined) Object.assign(own, { start, boot, pidns });
  return own;
}

/**
 * Whether the owner is alive, as far as this process can tell:
 * - 'alive' / 'dead': it records a start time, runs on this machine (host, boot and pid namespace
 *   are ours), and /proc says whether the process with its pid is still the one that started then
 *   (a pid reused by another process, or a zombie, is dead);
 * - 'dead' also for an owner of this host with no start time whose pid is gone (an older nixtag);
 * - 'unknown' otherwise (another host or container, no start time, /proc hidden): only the lock's
 *   age can tell.
 */
export function ownerLiveness(owner: Owner): 'alive' | 'dead' | 'unknown' {
  const me = ownIdentity();
  if (owner.host !== me.host) return 'unknown';
  if (owner.start === undefined) return processExists(owner.pid) ? 'unknown' : 'dead';
  if (me.start === undefined || owner.boot !== me.boot || owner.pidns !== me.pidns) return 'unknown';
  const stat = procStat(owner.pid);
  if (stat !== undefined) return stat.start === owner.start && !stat.zombie ? 'alive' : 'dead';
  // No /proc entry: gone, or hidden (hidepid) while the signal still reaches it.
  return processExists(owner.pid) ? 'unknown' : 'dead';
}

/**
 * Linux's statfs magic numbers of file systems that other machines (or VMs) may share: NFS, SMB/CIFS,
 * FUSE (sshfs, virtiofs, GlusterFS), 9p (WSL, VM shares), Ceph, AFS, Lustre, GFS2, OCFS2, Coda.
 */
const SHARED_FILE_SYSTEMS = new Set([
  0x6969, 0x517b, 0xff534d42, 0xfe534d42, 0x65735546, 0x01021997, 0x00c36400, 0x5346414f, 0x0bd00bd0, 0x01161970,
  0x7461636f, 0x73757245,
]);

/** Whether `directory` lies on a network or shared file system (Linux; false where unknown). */
export function onSharedFileSystem(directory: string): boolean {
  if (process.platform !== 'linux') return false;
  try {
    return SHARED_FILE_SYSTEMS.has(statfsSync(path.resolve(directory)).type);
  } catch {
    return false;
  }
}

/** The lock's owner file, or undefined while it is being written. */
export function readOwner(lock: string): Owner | undefined {
  try {
    return JSON.parse(readFileSync(path.join(lock, 'owner'), 'utf8')) as Owner;
  } catch {
    return undefined; // being created, or from an older nixtag
  }
}
