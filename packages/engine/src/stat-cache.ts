// What the last build learned about each context path, keyed by what lstat says about it (mode,
// size, mtime, ctime, inode): a file's digest, a link's target, a folder's tree digest. A path
// whose stat is unchanged is not read again. Kept as one file per context, written atomically,
// holding the paths the last walk saw in the order it saw them: the next walk meets them in
// the same order, so most lookups compare one path and five numbers, and loading is a few
// bulk reads (100,000 paths: a JSON file of 17 MB took 0.3 s of CPU to load).
import type { Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

const MAGIC = 'dfc-statcache 3\n';
/** mode, size, mtimeMs, ctimeMs, ino */
const FIELDS = 5;
/** Longer than a kernel clock tick (1/HZ: 1 to 10 ms), which file times are taken from. */
const RACY_MS = 20;
const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;

export class StatCache {
  // What the file held, in the last walk's order.
  private paths: string[] = [];
  private stats: Float64Array<ArrayBufferLike> = new Float64Array(0);
  private values: (string | undefined)[] = [];
  /** Where a path is in `paths`, built on the first lookup that is not the next one in order. */
  private index: Map<string, number> | undefined;
  private cursor = 0;
  /** What the current walk saw, in its order; a value is filled in later for what it reads. */
  private seenPaths: string[] = [];
  private seenStats = new Float64Array(0);
  private seenValues: (string | undefined)[] = [];
  private changed = false;
  private walkStart = 0;
  /** What the folders' tree digests were computed under (the .dockerignore patterns). */
  private scope = '';

  private constructor(readonly file: string | undefined) {}

  /** An empty cache that is never saved. */
  static memory(): StatCache {
    return new StatCache(undefined);
  }

  /** Loads the cache file; a missing, unreadable or older one starts empty (it is only a cache). */
  static async load(file: string): Promise<StatCache> {
    const cache = new StatCache(file);
    try {
      cache.decode(await fs.readFile(file));
    } catch {
      cache.paths = [];
      cache.stats = new Float64Array(0);
      cache.values = [];
    }
    return cache;
  }

  /**
   * Tree digests depend on what the context leaves out: under another `scope` (other
   * .dockerignore patterns) the folders' records are dropped, the files' kept.
   */
  setScope(scope: string): void {
    if (scope === this.scope) return;
    for (let i = 0; i < this.paths.length; i++) if ((this.stats[i * FIELDS]! & S_IFMT) === S_IFDIR) this.values[i] = undefined;
    this.scope = scope;
    this.changed = true;
  }

  /** Called before each walk of the context: what it does not see is forgotten at save. */
  startWalk(): void {
    if (this.seenPaths.length > 0) this.adoptSeen();
    this.cursor = 0;
    this.walkStart = Date.now();
  }

  /**
   * Gives `relPath` its place in what is saved: call it for each path in walk order. Returns
   * the slot `known` and `record` take.
   */
  visit(relPath: string, stat: Stats): number {
    let i = this.cursor;
    if (this.paths[i] !== relPath) {
      this.index ??= new Map(this.paths.map((p, n) => [p, n]));
      i = this.index.get(relPath) ?? -1;
      this.changed = true;
    }
    const slot = this.seenPaths.length;
    this.seenPaths.push(relPath);
    let st = this.seenStats;
    if (st.length < (slot + 1) * FIELDS) {
      // Room for as many paths as the last walk saw, doubled when outgrown.
      st = new Float64Array(Math.max(this.paths.length + 64, slot * 2) * FIELDS);
      st.set(this.seenStats);
      this.seenStats = st;
    }
    const at = slot * FIELDS;
    st[at] = stat.mode;
    st[at + 1] = stat.size;
    st[at + 2] = stat.mtimeMs;
    st[at + 3] = stat.ctimeMs;
    st[at + 4] = stat.ino;
    let value: string | undefined;
    if (i >= 0) {
      this.cursor = i + 1;
      const s = this.stats;
      const at = i * FIELDS;
      if (s[at + 2] === stat.mtimeMs && s[at + 3] === stat.ctimeMs && s[at + 1] === stat.size && s[at + 4] === stat.ino && s[at] === stat.mode) value = this.values[i];
    }
    this.seenValues.push(value);
    return slot;
  }

  /** The value recorded for a visited path if its stat is unchanged since. */
  known(slot: number): string | undefined {
    return this.seenValues[slot];
  }

  /**
   * Records what was read for a visited path, as of the stat it was visited with. A path
   * changed within a clock tick of the walk's start is not kept (racily clean, as git calls
   * it): a second change in the same tick would leave its stat as it was, so the next build
   * reads it again.
   */
  record(slot: number, value: string): void {
    if (this.seenValues[slot] === value) return;
    this.changed = true;
    const last = Math.max(this.seenStats[slot * FIELDS + 2]!, this.seenStats[slot * FIELDS + 3]!);
    // Whole-second times come from a file system that keeps no finer ones.
    this.seenValues[slot] = this.walkStart - last < (last % 1000 === 0 ? 1000 : RACY_MS) ? undefined : value;
  }

  /** Writes what the latest walk saw, if it differs from what was loaded (temp file, then rename). */
  async save(): Promise<void> {
    const same = !this.changed && this.cursor === this.paths.length && this.seenPaths.length === this.paths.length;
    if (!this.file || same) return;
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, this.encode());
    await fs.rename(tmp, this.file);
    this.adoptSeen();
    this.changed = false;
  }

  /** What the walk saw becomes what the cache holds. */
  private adoptSeen(): void {
    const keep = this.kept();
    this.paths = keep.map((i) => this.seenPaths[i]!);
    this.values = keep.map((i) => this.seenValues[i]!);
    this.stats = this.keptStats(keep);
    this.index = undefined;
    this.seenPaths = [];
    this.seenStats = new Float64Array(0);
    this.seenValues = [];
  }

  /** MAGIC, a JSON header line, padding to 8 bytes, the stats as float64s, paths and values NUL-separated. */
  private encode(): Buffer {
    const keep = this.kept();
    const paths = Buffer.from(keep.map((i) => this.seenPaths[i]).join('\0'));
    const values = Buffer.from(keep.map((i) => this.seenValues[i]).join('\0'));
    // Padded so the float64s start at a multiple of 8 bytes.
    let head = `${MAGIC}${JSON.stringify({ scope: this.scope, count: keep.length, paths: paths.length, values: values.length })}\n`;
    head += ' '.repeat((8 - (Buffer.byteLength(head) % 8)) % 8);
    const stats = this.keptStats(keep);
    return Buffer.concat([Buffer.from(head), Buffer.from(stats.buffer, stats.byteOffset, stats.byteLength), paths, values]);
  }

  /** The slots of the current walk that have a value (the others were not read, or read racily). */
  private kept(): number[] {
    const keep: number[] = [];
    for (let i = 0; i < this.seenPaths.length; i++) if (this.seenValues[i] !== undefined) keep.push(i);
    return keep;
  }

  private keptStats(keep: number[]): Float64Array {
    const stats = new Float64Array(keep.length * FIELDS);
    keep.forEach((i, n) => {
      for (let f = 0; f < FIELDS; f++) stats[n * FIELDS + f] = this.seenStats[i * FIELDS + f]!;
    });
    return stats;
  }

  private decode(data: Buffer): void {
    if (data.toString('latin1', 0, MAGIC.length) !== MAGIC) return;
    const eol = data.indexOf(10, MAGIC.length);
    const header = JSON.parse(data.toString('utf8', MAGIC.length, eol)) as { scope: string; count: number; paths: number; values: number };
    let at = eol + 1;
    while (at % 8 !== 0) at++;
    const statBytes = header.count * FIELDS * 8;
    // Copied out: a Float64Array needs an offset the read buffer may not have.
    this.stats = new Float64Array(new Uint8Array(data.subarray(at, at + statBytes)).buffer);
    at += statBytes;
    const split = (length: number): string[] => (header.count === 0 ? [] : data.toString('utf8', at, (at += length)).split('\0'));
    const paths = split(header.paths);
    const values = split(header.values);
    if (paths.length !== header.count || values.length !== header.count) throw new Error('damaged stat cache');
    this.paths = paths;
    this.values = values;
    this.scope = header.scope;
  }
}
