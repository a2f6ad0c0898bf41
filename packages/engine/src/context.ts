// The build context: the files a build may COPY or ADD, after .dockerignore, each hashed by
// content, and each folder by a tree digest over what it holds. Read once per build from a
// listing of the context (listing.ts); the stat cache holds the last build's listing and what
// it learned, so a record unchanged since is not read again, a folder under which nothing
// changed keeps its digest, and a context whose short listing (each path's ctime) is unchanged
// is the last build's. Entries are read from the listing as they are asked for: a no-op build
// of 100,000 files makes no object per file.
import { createHash } from 'node:crypto';
import fsSync, { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import { createDockerignore, type Dockerignore } from './dockerignore.js';
import { indexListing, listContext, listContextShort, patchListing, readRecord, recordKind, recordName, recordPath, recordTarget, shortListing } from './listing.js';
import { DIGEST, digestOf, ENTRY, EXCLUDED, HOLDS, KNOWN, PRUNED, RACY, StatCache, type ContextRecords } from './stat-cache.js';

export interface ContextEntry {
  /** Relative to the context root, `/`-separated. */
  path: string;
  kind: 'file' | 'dir' | 'symlink';
  /** Permission and special bits (no file-type bits). */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** A symlink's target, as written. */
  target?: string;
  /** `sha256:…` of a file's bytes. */
  digest?: string;
  /** `dev:ino` of a file with several names (hard links), the same for each name. */
  inode?: string;
}

export interface BuildContext {
  root: string;
  /** Every entry that .dockerignore keeps (and the folders holding re-included files), with each folder's names and tree digest. */
  entries: ContextEntries;
  ignore: Dockerignore;
  /** Files read and hashed in this pass, and files whose digest came from the stat cache. */
  hashed: number;
  cached: number;
}

export interface ReadContextOptions {
  /** The Dockerfile's path: `<Dockerfile>.dockerignore` beside it wins over `.dockerignore`. */
  dockerfile?: string;
  statCache?: StatCache;
  /** How many files to hash at once. */
  concurrency?: number;
}

/** Longer than a kernel clock tick (1/HZ: 1 to 10 ms), which file times are taken from. */
const RACY_MS = 20;
/** Past this many new or changed records, the context is listed again by find rather than read with lstat one by one. */
const PATCH_LIMIT = 5000;
/** Files smaller than this are read whole; larger ones are streamed. */
const SMALL_FILE = 1 << 20;
const FILE = 0x66; // f
const DIR = 0x64; // d
const LINK = 0x6c; // l

/** The context's entries by path, read from the listing as they are asked for. */
export class ContextEntries {
  /** Each folder's entries by name (sorted), by record. */
  private readonly folders = new Map<number, { names: string[]; records: number[] }>();
  /** Folders' records by path. */
  private readonly dirs = new Map<string, number>([['', 0]]);

  constructor(private readonly r: ContextRecords) {}

  /** How many entries (the root not counted). */
  get size(): number {
    return this.r.entries;
  }

  get(relPath: string): ContextEntry | undefined {
    const i = this.recordOf(relPath);
    return i < 0 ? undefined : this.entryAt(i, relPath);
  }

  has(relPath: string): boolean {
    return this.recordOf(relPath) >= 0;
  }

  /** The names of a folder's entries, sorted (`` is the root); none for a path that is no folder. */
  list(dir: string): string[] {
    const f = this.dirOf(dir);
    return f < 0 ? [] : this.folder(f).names;
  }

  /** A folder's tree digest (`` is the root): a Merkle digest over what is below it. */
  tree(dir: string): string | undefined {
    const f = this.dirOf(dir);
    return f < 0 ? undefined : digestOf(this.r, f);
  }

  /** Each entry, a folder before what it holds, names in order. */
  *[Symbol.iterator](): IterableIterator<[string, ContextEntry]> {
    const self = this;
    const visit = function* (f: number, dir: string): Generator<[string, ContextEntry]> {
      const { names, records } = self.folder(f);
      for (let n = 0; n < names.length; n++) {
        const rel = dir === '' ? names[n]! : `${dir}/${names[n]}`;
        const i = records[n]!;
        yield [rel, self.entryAt(i, rel)];
        if (self.r.listing[self.r.starts[i]!] === DIR) {
          self.dirs.set(rel, i);
          yield* visit(i, rel);
        }
      }
    };
    yield* visit(0, '');
  }

  *keys(): IterableIterator<string> {
    for (const [rel] of this) yield rel;
  }

  *values(): IterableIterator<ContextEntry> {
    for (const [, entry] of this) yield entry;
  }

  private recordOf(relPath: string): number {
    if (relPath === '') return -1;
    const slash = relPath.lastIndexOf('/');
    const f = this.dirOf(slash < 0 ? '' : relPath.slice(0, slash));
    if (f < 0) return -1;
    const { names, records } = this.folder(f);
    const n = indexOfName(names, slash < 0 ? relPath : relPath.slice(slash + 1));
    return n < 0 ? -1 : records[n]!;
  }

  /** A folder's record, or -1. */
  private dirOf(dir: string): number {
    let f = this.dirs.get(dir);
    if (f === undefined) {
      f = this.recordOf(dir);
      if (f >= 0 && this.r.listing[this.r.starts[f]!] !== DIR) f = -1;
      this.dirs.set(dir, f);
    }
    return f;
  }

  private folder(f: number): { names: string[]; records: number[] } {
    let folder = this.folders.get(f);
    if (folder) return folder;
    const { listing, starts, ends, flags } = this.r;
    const records: number[] = [];
    // The children of f, each after all the one before it held.
    for (let i = f + 1; i < ends[f]!; i = ends[i]!) if (flags[i]! & ENTRY) records.push(i);
    const names = records.map((i) => recordName(listing, starts[i]!));
    const order = names.map((_, n) => n).sort((a, b) => (names[a]! < names[b]! ? -1 : names[a]! > names[b]! ? 1 : 0));
    folder = { names: order.map((n) => names[n]!), records: order.map((n) => records[n]!) };
    this.folders.set(f, folder);
    return folder;
  }

  private entryAt(i: number, relPath: string): ContextEntry {
    const rec = readRecord(this.r.listing, this.r.starts[i]!);
    const kind = rec.type === 'f' ? 'file' : rec.type === 'l' ? 'symlink' : 'dir';
    const entry: ContextEntry = { path: relPath, kind, mode: rec.mode, uid: rec.uid, gid: rec.gid, size: kind === 'file' ? rec.size : 0 };
    if (kind === 'file') {
      const digest = digestOf(this.r, i);
      if (digest !== undefined) entry.digest = digest;
      if (rec.nlink > 1) entry.inode = rec.inode;
    } else if (kind === 'symlink') entry.target = rec.target;
    return entry;
  }
}

/** Reads and hashes the build context at `root`. Errors name the path that failed. */
export async function readBuildContext(root: string, options: ReadContextOptions = {}): Promise<BuildContext> {
  const rootStat = await fs.stat(root).catch(() => undefined);
  if (!rootStat?.isDirectory()) throw new Error(`build context ${root}: not a directory`);
  const ignore = await createDockerignore(root, options.dockerfile);
  const statCache = options.statCache ?? StatCache.memory();
  const scope = ignore.patterns.join('\n');
  const last = statCache.last;
  // Nothing changed when the short listing (each path's ctime, inode and device) is the last
  // one: every write, chmod, chown, link or rename sets a ctime. The full listing is made only
  // when something did (or there is no last one to compare with).
  const walkStart = Date.now();
  let listing: Buffer | undefined;
  if (last && last.scope === scope) {
    const short = listContextShort(root, ignore.prunable);
    if (short && last.complete && short.equals(last.short)) {
      return { root, entries: new ContextEntries(last), ignore, hashed: 0, cached: last.files };
    }
    // A few records changed: those are read with lstat, the others kept, instead of a second walk.
    if (short) listing = patchListing(root, short, last, PATCH_LIMIT);
  }
  listing ??= listContext(root, ignore.prunable);
  const { records, hashed, cached } = await refresh(root, listing, last, scope, ignore, walkStart, options.concurrency ?? 8);
  statCache.keep(records);
  return { root, entries: new ContextEntries(records), ignore, hashed, cached };
}

/**
 * What a listing holds, learned again: each record equal to one of the last listing's keeps its
 * value; the other files are hashed, and the folders above a change get new tree digests.
 */
async function refresh(
  root: string,
  listing: Buffer,
  last: ContextRecords | undefined,
  scope: string,
  ignore: Dockerignore,
  walkStart: number,
  concurrency: number,
): Promise<{ records: ContextRecords; hashed: number; cached: number }> {
  const { starts, parents, ends } = indexListing(listing);
  const count = parents.length;
  const sameScope = last?.scope === scope;

  // Each record's equal in the last listing, if any. Both are in walk order, so it is mostly the
  // next one; a changed record has the same path, a few removed ones are skipped; past many
  // misses (a folder listed in another order), by path.
  const matched = new Int32Array(count).fill(-1);
  // The matched records' digests, copied in runs; used where the flags say they may be.
  const digests = Buffer.alloc(count * DIGEST);
  if (last) {
    const lastCount = last.parents.length;
    let byPath: Map<string, number> | undefined;
    let misses = 0;
    let cursor = 0;
    // Whether records i.. and j.. are equal, n of them: equal bytes from a record's start are
    // equal records (each ends in its second NUL).
    const sameRun = (j: number, i: number, n: number): boolean =>
      last.starts[j + n]! - last.starts[j]! === starts[i + n]! - starts[i]! && listing.compare(last.listing, last.starts[j], last.starts[j + n], starts[i], starts[i + n]) === 0;
    const same = (j: number, i: number): boolean => sameRun(j, i, 1);
    // Runs of equal records are compared whole, longer while they last.
    let run = 64;
    for (let i = 0; i < count; i++) {
      const n = Math.min(run, count - i, lastCount - cursor);
      if (n > 1 && sameRun(cursor, i, n)) {
        for (let k = 0; k < n; k++) matched[i + k] = cursor + k;
        last.digests.copy(digests, i * DIGEST, cursor * DIGEST, (cursor + n) * DIGEST);
        cursor += n;
        i += n - 1;
        run *= 2;
        continue;
      }
      // Near a change: shorter runs until past it.
      run = 8;
      if (cursor < lastCount && same(cursor, i)) {
        matched[i] = cursor;
        last.digests.copy(digests, i * DIGEST, cursor * DIGEST, (cursor + 1) * DIGEST);
        cursor++;
        continue;
      }
      const path = recordPath(listing, starts[i]!);
      if (cursor < lastCount && recordPath(last.listing, last.starts[cursor]!) === path) {
        cursor++;
        continue;
      }
      // Removed: a few records, or folders with all they held, are skipped.
      let j = -1;
      for (let k = cursor, n = 0; k < lastCount && n < 8; n++) {
        if (same(k, i)) {
          j = k;
          break;
        }
        k = last.ends[k]!;
      }
      if (j < 0 && ++misses > Math.max(64, count / 100)) {
        byPath ??= pathIndex(last);
        const k = byPath.get(path);
        if (k !== undefined && same(k, i)) j = k;
      }
      if (j >= 0) {
        matched[i] = j;
        last.digests.copy(digests, i * DIGEST, j * DIGEST, (j + 1) * DIGEST);
        cursor = j + 1;
      }
    }
  }

  // What .dockerignore leaves out. A re-included pattern (`!dir/keep`) can reach under an
  // excluded folder, so a folder is only left out whole when nothing could re-include below it.
  const flags = new Uint8Array(count);
  if (ignore.patterns.length > 0) {
    for (let i = 1; i < count; i++) {
      const j = matched[i]!;
      if (flags[parents[i]!]! & PRUNED) flags[i] = EXCLUDED | PRUNED;
      else if (sameScope && j >= 0) flags[i] = last!.flags[j]! & (EXCLUDED | PRUNED);
      else {
        const rel = recordPath(listing, starts[i]!);
        if (ignore.ignores(rel)) flags[i] = listing[starts[i]!] === DIR && !ignore.mayReinclude(rel) ? EXCLUDED | PRUNED : EXCLUDED;
      }
    }
  }

  // Children before their folder (walk order reversed): which records are entries, which files
  // keep their digest, and which folders keep their tree digest (nothing below them changed).
  const stale = new Uint8Array(count);
  const toHash: number[] = [];
  let entries = 0;
  let files = 0;
  let cached = 0;
  for (let i = count - 1; i >= 0; i--) {
    const p = parents[i]!;
    const j = matched[i]!;
    const type = listing[starts[i]!];
    // Sockets, fifos and devices in a context are not copied (as BuildKit skips them).
    if (flags[i]! & HOLDS || (!(flags[i]! & EXCLUDED) && (type === FILE || type === DIR || type === LINK))) {
      flags[i] |= ENTRY;
      if (p >= 0) {
        flags[p] |= HOLDS;
        entries++;
      }
    }
    let changed = j < 0;
    if (flags[i]! & ENTRY) {
      if (type === FILE) {
        files++;
        if (j >= 0 && reusable(last!, j)) {
          flags[i] |= KNOWN;
          cached++;
        } else {
          toHash.push(i);
          changed = true;
        }
      } else if (type === DIR) {
        if (j >= 0 && sameScope && !stale[i] && reusable(last!, j)) flags[i] |= KNOWN;
        else {
          stale[i] = 1;
          changed = true;
        }
      }
    }
    if (changed && p >= 0) stale[p] = 1;
  }
  // Only an excluded folder holding an entry keeps HOLDS: it says why the folder is an entry.
  for (let i = 0; i < count; i++) if (!(flags[i]! & EXCLUDED)) flags[i] &= ~HOLDS;

  const racy = (i: number, mtimeMs: number, ctimeMs: number): void => {
    const changed = Math.max(mtimeMs, ctimeMs);
    // Whole-second times come from a file system that keeps no finer ones. A value read within
    // a clock tick of a change is used but not kept: a second change in the same tick would
    // leave the record as it was (racily clean, as git calls it).
    if (walkStart - changed < (changed % 1000 === 0 ? 1000 : RACY_MS)) flags[i] |= RACY;
  };

  // Small files in one synchronous read each: nothing else waits on the event loop meanwhile,
  // and a promise per open, stat, read and close cost five times the CPU (100,000 files: 6.7 s
  // against 1.2 s). Large ones are streamed, several at once.
  const large: number[] = [];
  for (const i of toHash) {
    const rec = readRecord(listing, starts[i]!);
    if (rec.size >= SMALL_FILE) {
      large.push(i);
      continue;
    }
    const abs = `${root}/${rec.path}`;
    let bytes: Buffer;
    try {
      bytes = fsSync.readFileSync(abs);
    } catch (err) {
      throw new Error(`build context: cannot read ${abs}: ${(err as Error).message}`);
    }
    createHash('sha256').update(bytes).digest().copy(digests, i * DIGEST);
    flags[i] |= KNOWN;
    racy(i, rec.mtimeMs, rec.ctimeMs);
  }
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let n = next++; n < large.length; n = next++) {
      const i = large[n]!;
      const rec = readRecord(listing, starts[i]!);
      digests.write((await hashFile(`${root}/${rec.path}`, rec.size)).slice('sha256:'.length), i * DIGEST, 'hex');
      flags[i] |= KNOWN;
      racy(i, rec.mtimeMs, rec.ctimeMs);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));

  // A folder's content as one digest (a Merkle tree) over each entry's name and key line, a
  // subfolder's with its own tree digest: equal digests mean the same files, modes and links.
  // Later records first: a folder's subfolders have their digests before it.
  const hex = (i: number): string => `sha256:${digests.toString('hex', i * DIGEST, (i + 1) * DIGEST)}`;
  const kids = new Map<number, number[]>();
  for (let i = 1; i < count; i++) {
    if (flags[i]! & ENTRY && stale[parents[i]!]) {
      const list = kids.get(parents[i]!);
      if (list) list.push(i);
      else kids.set(parents[i]!, [i]);
    }
  }
  for (let f = count - 1; f >= 0; f--) {
    if (!stale[f] || !(flags[f]! & ENTRY)) continue;
    const named = (kids.get(f) ?? []).map((i) => ({ name: recordName(listing, starts[i]!), i }));
    named.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    let text = '';
    for (const { name, i } of named) {
      const { type, mode, nlink } = recordKind(listing, starts[i]!);
      const kind = type === FILE ? 'file' : type === LINK ? 'symlink' : 'dir';
      const value = kind === 'symlink' ? recordTarget(listing, starts[i]!) : hex(i);
      // NUL cannot occur in a name, a digest or a link target: the text reads one way only.
      text += `${name}\0${summaryOf(kind, mode, value, kind === 'file' && nlink > 1)}${kind === 'dir' ? ` ${value}` : ''}\0`;
    }
    createHash('sha256').update(text).digest().copy(digests, f * DIGEST);
    flags[f] |= KNOWN;
    const rec = readRecord(listing, starts[f]!);
    racy(f, rec.mtimeMs, rec.ctimeMs);
  }

  let complete = true;
  for (let i = 0; i < count; i++) if (flags[i]! & RACY) complete = false;
  const records: ContextRecords = { scope, listing, short: shortListing(listing, starts), starts, parents, ends, flags, digests, entries, files, complete };
  return { records, hashed: toHash.length, cached };
}

/** Whether the last walk's record j has a digest that may be used again (one read racily is used by its own build only). */
function reusable(last: ContextRecords, j: number): boolean {
  return (last.flags[j]! & (KNOWN | RACY)) === KNOWN;
}

/** The last listing's records by path. */
function pathIndex(r: ContextRecords): Map<string, number> {
  const byPath = new Map<string, number>();
  for (let i = 0; i < r.parents.length; i++) byPath.set(recordPath(r.listing, r.starts[i]!), i);
  return byPath;
}

/**
 * What a cache key says of one context entry: a file's digest and mode (and whether it has other
 * names: COPY keeps hard links, so making or breaking one changes the layer), a link's target, a
 * folder's mode.
 */
export function entrySummary(e: ContextEntry): string {
  return summaryOf(e.kind, e.mode, e.kind === 'file' ? e.digest : e.target, e.inode !== undefined);
}

function summaryOf(kind: ContextEntry['kind'], mode: number, value: string | undefined, linked: boolean): string {
  if (kind === 'file') return linked ? `${value} ${mode.toString(8)} linked` : `${value} ${mode.toString(8)}`;
  return kind === 'symlink' ? `-> ${value}` : `dir ${mode.toString(8)}`;
}

/** Where `name` is in a sorted list of names (the order of Array.prototype.sort), or -1. */
function indexOfName(names: string[], name: string): number {
  let lo = 0;
  let hi = names.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const at = names[mid]!;
    if (at === name) return mid;
    if (at < name) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

export async function hashFile(abs: string, size = Infinity): Promise<string> {
  const hash = createHash('sha256');
  try {
    // A small file in one read: a stream's setup costs more than the file.
    if (size < SMALL_FILE) return `sha256:${hash.update(await fs.readFile(abs)).digest('hex')}`;
    for await (const chunk of createReadStream(abs)) hash.update(chunk as Buffer);
  } catch (err) {
    throw new Error(`build context: cannot read ${abs}: ${(err as Error).message}`);
  }
  return `sha256:${hash.digest('hex')}`;
}
