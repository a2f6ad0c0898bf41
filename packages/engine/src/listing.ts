// The build context's listing: one record per path, what lstat says of it, in walk order (a
// folder before what it holds, the root first). GNU find writes it (a walk in C; Node's lstatSync
// builds a Stats object and four Dates per call, most of a no-op build's time at 100,000 files);
// where find is missing or fails, a walk in Node writes the same records. A listing equal byte
// for byte to the last build's means nothing in the context changed; so does a short listing of
// each path's ctime, inode and device alone (any write, chmod, chown, link or rename of a file
// sets its ctime, an entry added or removed its folder's), which find writes in half the time.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * One record: `type mode size mtime nlink uid gid ctime ino dev path\0target\0`, as find's
 * `%y %m %s %T@ %n %U %G %C@ %i %D %P\0%l\0`: type `f` `d` `l` (or another of find's letters),
 * mode the permission bits in octal, times in seconds with a fraction, path relative to the root
 * (`` for the root), target a link's (empty for the others).
 */
const FORMAT = '%y %m %s %T@ %n %U %G %C@ %i %D %P\\0%l\\0';
/** The short listing: each record's `ctime ino dev path\0`, as it is in the full record. */
const SHORT_FORMAT = '%C@ %i %D %P\\0';
const SHORT_FIELD = 7;
const SPACE = 0x20;
const SLASH = 0x2f;

/**
 * Lists the context at `root`. `prune` names paths (relative, no wildcards) left out with all
 * they hold, as find's -prune does: the folders .dockerignore excludes with nothing re-included.
 */
export function listContext(root: string, prune: string[] = []): Buffer {
  // Not GNU find, a folder it could not read, a file gone mid-walk: the walk in Node says which.
  const listing = find(root, prune, FORMAT);
  return listing?.[0] === 0x64 /* d: the root */ ? listing : walkContext(root, new Set(prune));
}

/** The short listing of the context (see shortListing), or undefined when find cannot make it. */
export function listContextShort(root: string, prune: string[] = []): Buffer | undefined {
  return find(root, prune, SHORT_FORMAT);
}

function find(root: string, prune: string[], format: string): Buffer | undefined {
  const pruned = prune.flatMap((p, i) => [...(i > 0 ? ['-o'] : []), '-path', `./${p}`]);
  const args = ['.', ...(pruned.length > 0 ? ['(', ...pruned, ')', '-prune', '-o'] : []), '-printf', format];
  const found = spawnSync('find', args, { cwd: root, maxBuffer: 2 ** 31 - 1, stdio: ['ignore', 'pipe', 'pipe'] });
  return found.status === 0 && found.stdout.length > 0 ? found.stdout : undefined;
}

/** What listContextShort says of the same walk: each record's `ctime ino dev path\0`. */
export function shortListing(listing: Buffer, starts: Int32Array): Buffer {
  const out = Buffer.allocUnsafe(listing.length);
  let to = 0;
  for (let i = 0; i + 1 < starts.length; i++) {
    let at = starts[i]!;
    for (let spaces = 0; spaces < SHORT_FIELD && at < listing.length; ) if (listing[at++] === SPACE) spaces++;
    // Byte by byte up to the path's NUL: a native copy per record costs more.
    let c = 1;
    while (c !== 0 && at < listing.length) out[to++] = c = listing[at++]!;
  }
  return out.subarray(0, to);
}

/** The same records as find's, from a walk in Node. Errors name the folder that failed. */
export function walkContext(root: string, prune: Set<string> = new Set()): Buffer {
  const parts: string[] = [];
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
      const record = statRecord(`${abs}/${name}`, childRel);
      parts.push(record);
      if (record[0] === 'd') walk(`${abs}/${name}`, childRel);
    }
  };
  // find starts from the root's real path (it runs there).
  const top = fs.realpathSync(root);
  parts.push(statRecord(top, ''));
  walk(top === '/' ? '' : top, '');
  return Buffer.from(parts.join(''));
}

/** One path's record, as find writes it. */
function statRecord(abs: string, rel: string): string {
  const st = fs.lstatSync(abs, { bigint: true });
  const mode = Number(st.mode);
  const type = st.isDirectory() ? 'd' : st.isFile() ? 'f' : st.isSymbolicLink() ? 'l' : st.isFIFO() ? 'p' : st.isSocket() ? 's' : st.isCharacterDevice() ? 'c' : 'b';
  const target = type === 'l' ? fs.readlinkSync(abs) : '';
  return `${type} ${(mode & 0o7777).toString(8)} ${st.size} ${seconds(st.mtimeNs)} ${st.nlink} ${st.uid} ${st.gid} ${seconds(st.ctimeNs)} ${st.ino} ${st.dev} ${rel}\0${target}\0`;
}

/** Where each short record starts (one NUL ends each), and, last, where they end. */
function shortStarts(short: Buffer): Int32Array {
  let count = 0;
  for (let at = 0; at < short.length; at++) if (short[at] === 0) count++;
  const starts = new Int32Array(count + 1);
  let i = 1;
  for (let at = 0; at < short.length; at++) if (short[at] === 0) starts[i++] = at + 1;
  return starts;
}

/**
 * The full listing a short listing stands for, made from the last full listing (and its short
 * form, record for record): a record whose short form is the last one's is the last one's
 * record (its ctime says nothing about it changed); the others are read with lstat. Undefined
 * when more than `limit` records are new or changed (find is cheaper then), or one is gone.
 */
export function patchListing(root: string, short: Buffer, last: { listing: Buffer; short: Buffer; starts: Int32Array; ends: Int32Array }, limit: number): Buffer | undefined {
  const starts = shortStarts(short);
  const lastStarts = shortStarts(last.short);
  const count = starts.length - 1;
  const lastCount = lastStarts.length - 1;
  if (lastCount !== last.starts.length - 1) return undefined;
  const sameRun = (j: number, i: number, n: number): boolean =>
    lastStarts[j + n]! - lastStarts[j]! === starts[i + n]! - starts[i]! && short.compare(last.short, lastStarts[j], lastStarts[j + n], starts[i], starts[i + n]) === 0;
  const pathAt = (bytes: Buffer, start: number, end: number): string => {
    let at = start;
    for (let spaces = 0; spaces < 3 && at < end; ) if (bytes[at++] === SPACE) spaces++;
    return bytes.toString('utf8', at, end - 1);
  };
  const top = fs.realpathSync(root);
  const pieces: Buffer[] = [];
  let changed = 0;
  let cursor = 0;
  let run = 64;
  for (let i = 0; i < count; ) {
    // Equal runs are the last listing's bytes, copied whole.
    const n = Math.min(run, count - i, lastCount - cursor);
    if (n > 0 && sameRun(cursor, i, n)) {
      pieces.push(last.listing.subarray(last.starts[cursor], last.starts[cursor + n]));
      cursor += n;
      i += n;
      run *= 2;
      continue;
    }
    if (n > 1) {
      run = 1;
      continue;
    }
    run = 8;
    // Removed: a few records, or folders with all they held, are skipped.
    let j = -1;
    for (let k = cursor < lastCount ? last.ends[cursor]! : lastCount, tries = 0; k < lastCount && tries < 8; tries++, k = last.ends[k]!) {
      if (sameRun(k, i, 1)) {
        j = k;
        break;
      }
    }
    if (j >= 0) {
      cursor = j;
      continue;
    }
    // New or changed: read now. A changed record's path is the next old one's.
    if (++changed > limit) return undefined;
    const path = pathAt(short, starts[i]!, starts[i + 1]!);
    if (cursor < lastCount && pathAt(last.short, lastStarts[cursor]!, lastStarts[cursor + 1]!) === path) cursor++;
    try {
      pieces.push(Buffer.from(statRecord(path === '' ? top : `${top}/${path}`, path)));
    } catch {
      return undefined;
    }
    i++;
  }
  return Buffer.concat(pieces);
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
    nlink: Number(fields[4]),
    uid: Number(fields[5]),
    gid: Number(fields[6]),
    ctimeMs: Number(fields[7]) * 1000,
    inode: `${fields[9]}:${fields[8]}`,
    path: bytes.toString('utf8', at, end),
    target: bytes.toString('utf8', end + 1, targetEnd),
  };
}

/** A record's type letter, mode and link count, read without making strings. */
export function recordKind(bytes: Buffer, start: number): { type: number; mode: number; nlink: number } {
  const type = bytes[start]!;
  let at = start + 2;
  let mode = 0;
  for (let c = bytes[at]!; c !== SPACE; c = bytes[++at]!) mode = mode * 8 + (c - 0x30);
  // Past size and mtime to the link count (the fifth field).
  for (let spaces = 0; spaces < 2; ) if (bytes[++at] === SPACE) spaces++;
  let nlink = 0;
  for (let c = bytes[++at]!; c !== SPACE; c = bytes[++at]!) nlink = nlink * 10 + (c - 0x30);
  return { type, mode, nlink };
}

/** A link's target (empty for the others). */
export function recordTarget(bytes: Buffer, start: number): string {
  const end = bytes.indexOf(0, start);
  return bytes.toString('utf8', end + 1, bytes.indexOf(0, end + 1));
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
