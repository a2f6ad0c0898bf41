// The build context's listing: one record per path, what lstat says of it, in walk order (a
// folder before what it holds, the root first). GNU find writes it (a walk in C; Node's lstatSync
// builds a Stats object and four Dates per call, most of a no-op build's time at 100,000 files);
// where find is missing or fails, a walk in Node writes the same records. A listing equal byte
// for byte to the last build's means nothing in the context changed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * One record: `type mode size mtime ctime ino nlink uid gid dev path\0target\0`, as find's
 * `%y %m %s %T@ %C@ %i %n %U %G %D %P\0%l\0`: type `f` `d` `l` (or another of find's letters),
 * mode the permission bits in octal, times in seconds with a fraction, path relative to the root
 * (`` for the root), target a link's (empty for the others).
 */
const FORMAT = '%y %m %s %T@ %C@ %i %n %U %G %D %P\\0%l\\0';
const SPACE = 0x20;
const SLASH = 0x2f;

/**
 * Lists the context at `root`. `prune` names paths (relative, no wildcards) left out with all
 * they hold, as find's -prune does: the folders .dockerignore excludes with nothing re-included.
 */
export function listContext(root: string, prune: string[] = []): Buffer {
  const pruned = prune.flatMap((p, i) => [...(i > 0 ? ['-o'] : []), '-path', `./${p}`]);
  const args = ['.', ...(pruned.length > 0 ? ['(', ...pruned, ')', '-prune', '-o'] : []), '-printf', FORMAT];
  const found = spawnSync('find', args, { cwd: root, maxBuffer: 2 ** 31 - 1, stdio: ['ignore', 'pipe', 'pipe'] });
  // Not GNU find, a folder it could not read, a file gone mid-walk: the walk in Node says which.
  if (found.status === 0 && found.stdout.length > 0 && found.stdout[0] === 0x64 /* d */) return found.stdout;
  return walkContext(root, new Set(prune));
}

/** The same records as find's, from a walk in Node. Errors name the folder that failed. */
export function walkContext(root: string, prune: Set<string> = new Set()): Buffer {
  const parts: string[] = [];
  const add = (abs: string, rel: string): fs.BigIntStats => {
    const st = fs.lstatSync(abs, { bigint: true });
    const mode = Number(st.mode);
    const type = st.isDirectory() ? 'd' : st.isFile() ? 'f' : st.isSymbolicLink() ? 'l' : st.isFIFO() ? 'p' : st.isSocket() ? 's' : st.isCharacterDevice() ? 'c' : 'b';
    const target = type === 'l' ? fs.readlinkSync(abs) : '';
    parts.push(`${type} ${(mode & 0o7777).toString(8)} ${st.size} ${seconds(st.mtimeNs)} ${seconds(st.ctimeNs)} ${st.ino} ${st.nlink} ${st.uid} ${st.gid} ${st.dev} ${rel}\0${target}\0`);
    return st;
  };
  const walk = (abs: string, rel: string): void => {
    let names: string[];
    try {
      names = fs.readdirSync(abs);
    } catch (err) {
      throw new Error(`build context: cannot read ${abs}: ${(err as Error).message}`);
    }
    for (const name of names) {
      const childRel = rel === '' ? name : `${rel}/${name}`;
      if (prune.has(childRel)) continue;
      if (add(`${abs}/${name}`, childRel).isDirectory()) walk(`${abs}/${name}`, childRel);
    }
  };
  const top = root.replace(/\/+$/, '') || '/';
  add(top, '');
  walk(top === '/' ? '' : top, '');
  return Buffer.from(parts.join(''));
}

/** find's %T@: seconds, a point, ten digits of fraction. */
function seconds(ns: bigint): string {
  return `${ns / 1_000_000_000n}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}0`;
}

/** Where each record starts (and, last, where the listing ends), each record's parent (-1 for the root), and the record after all it holds. */
export interface ListingIndex {
  starts: Int32Array;
  parents: Int32Array;
  /** A folder's children are i + 1, then ends[i + 1] while below ends[i]. */
  ends: Int32Array;
}

/** Indexes a listing: one pass over its bytes in JavaScript (a native call per record costs more), no strings made. */
export function indexListing(bytes: Buffer): ListingIndex {
  let starts = new Int32Array(Math.max(16, bytes.length >> 5));
  let parents = new Int32Array(starts.length);
  let ends = new Int32Array(starts.length);
  // The last folder seen at each depth: in walk order, a record's parent is the one a level up.
  const folderAt: number[] = [];
  const length = bytes.length;
  let count = 0;
  let at = 0;
  while (at < length) {
    if (count + 1 >= starts.length) {
      const grown = new Int32Array(starts.length * 2);
      grown.set(starts);
      starts = grown;
      const grownParents = new Int32Array(starts.length);
      grownParents.set(parents);
      parents = grownParents;
      const grownEnds = new Int32Array(starts.length);
      grownEnds.set(ends);
      ends = grownEnds;
    }
    starts[count] = at;
    const type = bytes[at];
    let spaces = 0;
    while (spaces < 10 && at < length) if (bytes[at++] === SPACE) spaces++;
    let depth = bytes[at] === 0 ? 0 : 1;
    for (let c = bytes[at]; c !== 0 && at < length; c = bytes[++at]) if (c === SLASH) depth++;
    // The target, up to the record's second NUL.
    at++;
    while (at < length && bytes[at] !== 0) at++;
    at++;
    parents[count] = depth === 0 ? -1 : folderAt[depth - 1] ?? -1;
    // The folders open at this depth or deeper end here.
    while (folderAt.length > depth) ends[folderAt.pop()!] = count;
    ends[count] = count + 1;
    if (type === 0x64 /* d */) folderAt.push(count);
    count++;
  }
  while (folderAt.length > 0) ends[folderAt.pop()!] = count;
  starts[count] = Math.min(at, length);
  return { starts: starts.slice(0, count + 1), parents: parents.slice(0, count), ends: ends.slice(0, count) };
}

/** What a record says, its numbers parsed. */
export interface ListingRecord {
  type: string;
  mode: number;
  size: number;
  /** Milliseconds since the epoch. */
  mtimeMs: number;
  ctimeMs: number;
  nlink: number;
  uid: number;
  gid: number;
  /** `dev:ino`. */
  inode: string;
  path: string;
  target: string;
}

export function readRecord(bytes: Buffer, start: number): ListingRecord {
  const fields: string[] = [];
  let at = start;
  for (let f = 0; f < 10; f++) {
    const space = bytes.indexOf(SPACE, at);
    fields.push(bytes.toString('latin1', at, space));
    at = space + 1;
  }
  const end = bytes.indexOf(0, at);
  const targetEnd = bytes.indexOf(0, end + 1);
  return {
    type: fields[0]!,
    mode: parseInt(fields[1]!, 8),
    size: Number(fields[2]),
    mtimeMs: Number(fields[3]) * 1000,
    ctimeMs: Number(fields[4]) * 1000,
    nlink: Number(fields[6]),
    uid: Number(fields[7]),
    gid: Number(fields[8]),
    inode: `${fields[9]}:${fields[5]}`,
    path: bytes.toString('utf8', at, end),
    target: bytes.toString('utf8', end + 1, targetEnd),
  };
}

/** A record's path, without parsing the rest. */
export function recordPath(bytes: Buffer, start: number): string {
  let at = start;
  let spaces = 0;
  while (spaces < 10 && at < bytes.length) if (bytes[at++] === SPACE) spaces++;
  return bytes.toString('utf8', at, bytes.indexOf(0, at));
}

/** A record's last path segment (`` for the root). */
export function recordName(bytes: Buffer, start: number): string {
  let at = start;
  let spaces = 0;
  while (spaces < 10 && at < bytes.length) if (bytes[at++] === SPACE) spaces++;
  const end = bytes.indexOf(0, at);
  const slash = bytes.lastIndexOf(SLASH, end - 1);
  return bytes.toString('utf8', slash >= at ? slash + 1 : at, end);
}
