// What the last build learned about its context: the listing it walked (listing.ts: each path
// with what lstat said of it) and, by record, a file's digest or a folder's tree digest. A
// record equal byte for byte to last time's keeps its value; a listing equal to last time's
// keeps every value, and nothing is parsed or written. Kept as one binary file per context,
// written atomically: typed arrays and the listing as they are in memory, so loading is a few
// bulk copies (100,000 paths in JSON took 0.3 s of CPU to load).
import fs from 'node:fs/promises';
import path from 'node:path';

const MAGIC = 'dfc-statcache 7\n';

/** A record's flags: what .dockerignore said of it, and what the context made of it. */
export const EXCLUDED = 1;
/** Excluded with all it holds (nothing below can be re-included). */
export const PRUNED = 2;
/** Part of the context: kept, or an excluded folder holding something re-included. */
export const ENTRY = 4;
/** An excluded folder holding an entry. */
export const HOLDS = 8;
/** Its digest was computed within a clock tick of its last change: used once, never saved. */
export const RACY = 16;
/** It has a digest (a file's, or a folder's tree digest). */
export const KNOWN = 32;
/** Bytes of a digest (sha256) in `digests`. */
export const DIGEST = 32;

/** One walk of a context: its listing, indexed, and what was learned of each record. */
export interface ContextRecords {
  /** The .dockerignore patterns the flags and tree digests were made under. */
  scope: string;
  listing: Buffer;
  /** The listing's short form (listing.ts: shortListing), which a no-op build compares alone. */
  short: Buffer;
  /** Where each record starts in `listing`; one more, where it ends. */
  starts: Int32Array;
  /** Each record's folder (-1 for the root). */
  parents: Int32Array;
  /** The record after each one and all it holds. */
  ends: Int32Array;
  flags: Uint8Array;
  /** Record i's digest (a file's, a folder's tree digest) at i * DIGEST, if it is KNOWN. */
  digests: Buffer;
  /** Entries (not counting the root) and, of them, files. */
  entries: number;
  files: number;
  /** Whether every entry file and folder has a digest that may be used again (none RACY). */
  complete: boolean;
}

export class StatCache {
  /** What the file held, or what the latest walk made. */
  last: ContextRecords | undefined;
  private dirty = false;

  private constructor(readonly file: string | undefined) {}

  /** An empty cache that is never saved. */
  static memory(): StatCache {
    return new StatCache(undefined);
  }

  /** Loads the cache file; a missing, unreadable or older one starts empty (it is only a cache). */
  static async load(file: string): Promise<StatCache> {
    const cache = new StatCache(file);
    try {
      cache.last = decode(await fs.readFile(file));
    } catch {
      cache.last = undefined;
    }
    return cache;
  }

  /** What a walk made, to be saved (its RACY digests left out). */
  keep(records: ContextRecords): void {
    this.last = records;
    this.dirty = true;
  }

  /** Writes what the latest walk made, if it differs from what was loaded (temp file, then rename). */
  async save(): Promise<void> {
    if (!this.file || !this.dirty || !this.last) return;
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, encode(this.last));
    await fs.rename(tmp, this.file);
    this.dirty = false;
  }
}

/** Record i's digest, `sha256:…`, if it has one. */
export function digestOf(r: ContextRecords, i: number): string | undefined {
  return r.flags[i]! & KNOWN ? `sha256:${r.digests.toString('hex', i * DIGEST, (i + 1) * DIGEST)}` : undefined;
}

/** MAGIC, a JSON header line, then the record starts, parents and ends (int32s), the flags, the listing, its short form and the digests. */
function encode(r: ContextRecords): Buffer {
  const count = r.parents.length;
  // A RACY digest is not saved: the next build computes it again.
  const flags = r.flags.map((f) => (f & RACY ? f & ~(RACY | KNOWN) : f));
  let complete = true;
  for (let i = 0; i < count; i++) if (flags[i]! & ENTRY && !(flags[i]! & KNOWN) && r.listing[r.starts[i]!] !== 0x6c /* l: its target is in the listing */) complete = false;
  const header = `${MAGIC}${JSON.stringify({ scope: r.scope, count, listing: r.listing.length, short: r.short.length, entries: r.entries, files: r.files, complete })}\n`;
  const bytes = (a: Int32Array | Uint8Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  return Buffer.concat([Buffer.from(header), bytes(r.starts), bytes(r.parents), bytes(r.ends), bytes(flags), r.listing, r.short, r.digests.subarray(0, count * DIGEST)]);
}

function decode(data: Buffer): ContextRecords | undefined {
  if (data.toString('latin1', 0, MAGIC.length) !== MAGIC) return undefined;
  const eol = data.indexOf(10, MAGIC.length);
  const header = JSON.parse(data.toString('utf8', MAGIC.length, eol)) as { scope: string; count: number; listing: number; short: number; entries: number; files: number; complete: boolean };
  let at = eol + 1;
  // Copied out: an Int32Array needs an offset the read buffer may not have.
  const int32s = (n: number): Int32Array => new Int32Array(new Uint8Array(data.subarray(at, (at += n * 4))).buffer);
  const count = header.count;
  const starts = int32s(count + 1);
  const parents = int32s(count);
  const ends = int32s(count);
  const flags = new Uint8Array(data.subarray(at, (at += count)));
  const listing = data.subarray(at, (at += header.listing));
  const short = data.subarray(at, (at += header.short));
  const digests = data.subarray(at, (at += count * DIGEST));
  if (digests.length !== count * DIGEST || ends.length !== count || starts[0] !== 0 || starts[count] !== listing.length) throw new Error('damaged stat cache');
  // Records end in NUL, each after its folder, each folder's end after it: a damaged file is not walked past its end.
  for (let i = 0; i < count; i++) {
    if (starts[i + 1]! <= starts[i]! || listing[starts[i + 1]! - 1] !== 0 || parents[i]! >= i || ends[i]! <= i || ends[i]! > count) throw new Error('damaged stat cache');
  }
  return { scope: header.scope, listing, short, starts, parents, ends, flags, digests, entries: header.entries, files: header.files, complete: header.complete };
}
