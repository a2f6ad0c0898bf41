// What the last build learned about each context path, keyed by what lstat says about it (mode,
// size, mtime, ctime, inode): a file's digest, a link's target, a folder's tree digest. A path
// whose stat is unchanged is not read again. Kept as one JSON file per context, written
// atomically, holding only the paths the last walk saw.
import type { Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

interface StatRecord {
  mode: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  /** A file's `sha256:…`, a link's target, a folder's tree digest (or `-` for a folder the context leaves out). */
  value: string;
  /** The walk that last saw it: only what the latest walk saw is saved. */
  walk: number;
}

/** Longer than a kernel clock tick (1/HZ: 1 to 10 ms), which file times are taken from. */
const RACY_MS = 20;

type SavedRecord = [path: string, mode: number, size: number, mtimeMs: number, ctimeMs: number, ino: number, value: string];

export class StatCache {
  private readonly records = new Map<string, StatRecord>();
  private walk = 0;
  private walkStart = 0;
  /** Paths the latest walk saw. */
  private seen = 0;
  private dirty = false;
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
      const data = JSON.parse(await fs.readFile(file, 'utf8')) as { version: number; scope: string; paths: SavedRecord[] };
      if (data.version === 2) {
        cache.scope = data.scope;
        for (const [p, mode, size, mtimeMs, ctimeMs, ino, value] of data.paths) {
          cache.records.set(p, { mode, size, mtimeMs, ctimeMs, ino, value, walk: 0 });
        }
      }
    } catch {
      // Start empty.
    }
    return cache;
  }

  /**
   * Tree digests depend on what the context leaves out: under another `scope` (other
   * .dockerignore patterns) the folders' records are dropped, the files' kept.
   */
  setScope(scope: string): void {
    if (scope === this.scope) return;
    for (const [p, r] of this.records) if ((r.mode & 0o170000) === 0o040000) this.records.delete(p);
    this.scope = scope;
    this.dirty = true;
  }

  /** Called before each walk of the context: what it does not see is forgotten at save. */
  startWalk(): void {
    this.walk++;
    this.seen = 0;
    this.walkStart = Date.now();
  }

  /** The value recorded for `relPath` if its stat is unchanged since; marks the path as seen. */
  lookup(relPath: string, stat: Stats): string | undefined {
    const r = this.records.get(relPath);
    if (r === undefined || r.mtimeMs !== stat.mtimeMs || r.ctimeMs !== stat.ctimeMs || r.size !== stat.size || r.ino !== stat.ino || r.mode !== stat.mode) return undefined;
    if (r.walk !== this.walk) {
      r.walk = this.walk;
      this.seen++;
    }
    return r.value;
  }

  /**
   * Records what was read at `relPath` with this stat. A path changed within a clock tick of the
   * walk's start is not recorded (racily clean, as git calls it): a second change in the same
   * tick would leave its stat as it was, so the next build reads it again.
   */
  record(relPath: string, stat: Stats, value: string): void {
    const changed = Math.max(stat.mtimeMs, stat.ctimeMs);
    // Whole-second times come from a file system that keeps no finer ones.
    if (this.walkStart - changed < (changed % 1000 === 0 ? 1000 : RACY_MS)) return;
    const old = this.records.get(relPath);
    if (old?.walk !== this.walk) this.seen++;
    this.records.set(relPath, { mode: stat.mode, size: stat.size, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs, ino: stat.ino, value, walk: this.walk });
    this.dirty = true;
  }

  /** Writes the paths the latest walk saw, if anything changed (temp file, then rename). */
  async save(): Promise<void> {
    if (!this.file || (!this.dirty && this.seen === this.records.size)) return;
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    const paths: SavedRecord[] = [];
    for (const [p, r] of this.records) if (r.walk === this.walk) paths.push([p, r.mode, r.size, r.mtimeMs, r.ctimeMs, r.ino, r.value]);
    await fs.writeFile(tmp, JSON.stringify({ version: 2, scope: this.scope, paths }));
    await fs.rename(tmp, this.file);
    this.dirty = false;
  }
}
