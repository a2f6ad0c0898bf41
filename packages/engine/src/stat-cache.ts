// Digests of context files keyed by what stat says about them (size, mtime, ctime, inode):
// a file whose stat is unchanged since the last build is not read again. Kept as one JSON
// file per context, written atomically.
import type { BigIntStats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

interface Record {
  /** size:mtimeNs:ctimeNs:ino */
  stat: string;
  digest: string;
}

export class StatCache {
  private readonly records = new Map<string, Record>();
  private dirty = false;

  private constructor(readonly file: string | undefined) {}

  /** An empty cache that is never saved. */
  static memory(): StatCache {
    return new StatCache(undefined);
  }

  /** Loads the cache file; a missing or unreadable one starts empty (it is only a cache). */
  static async load(file: string): Promise<StatCache> {
    const cache = new StatCache(file);
    try {
      const data = JSON.parse(await fs.readFile(file, 'utf8')) as { version: number; files: [string, string, string][] };
      if (data.version === 1) for (const [p, stat, digest] of data.files) cache.records.set(p, { stat, digest });
    } catch {
      // Start empty.
    }
    return cache;
  }

  lookup(relPath: string, stat: BigIntStats): string | undefined {
    const record = this.records.get(relPath);
    return record && record.stat === statKey(stat) ? record.digest : undefined;
  }

  record(relPath: string, stat: BigIntStats, digest: string): void {
    this.records.set(relPath, { stat: statKey(stat), digest });
    this.dirty = true;
  }

  /** Writes the cache if it changed (temp file, then rename). */
  async save(): Promise<void> {
    if (!this.file || !this.dirty) return;
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    const files = [...this.records].map(([p, r]) => [p, r.stat, r.digest]);
    await fs.writeFile(tmp, JSON.stringify({ version: 1, files }));
    await fs.rename(tmp, this.file);
    this.dirty = false;
  }
}

function statKey(stat: BigIntStats): string {
  return `${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}:${stat.ino}`;
}
