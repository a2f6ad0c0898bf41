// The build context: the files a build may COPY or ADD, after .dockerignore, each hashed by
// content. Read once per build; a stat cache (path, size, mtime, inode) means a file whose stat
// did not change since the last build is not read again.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createDockerignore, type Dockerignore } from './dockerignore.js';
import type { StatCache } from './stat-cache.js';

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
}

export interface BuildContext {
  root: string;
  /** Every entry that .dockerignore keeps, by path (and the folders holding re-included files). */
  entries: Map<string, ContextEntry>;
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

/** Reads and hashes the build context at `root`. Errors name the path that failed. */
export async function readBuildContext(root: string, options: ReadContextOptions = {}): Promise<BuildContext> {
  const rootStat = await fs.stat(root).catch(() => undefined);
  if (!rootStat?.isDirectory()) throw new Error(`build context ${root}: not a directory`);
  const ignore = await createDockerignore(root, options.dockerfile);
  const entries = new Map<string, ContextEntry>();
  const toHash: { entry: ContextEntry; abs: string; stat: import('node:fs').BigIntStats }[] = [];

  // A re-included pattern (`!dir/keep`) can reach under an excluded folder, so folders are only
  // skipped whole when nothing could re-include below them.
  const walk = async (dir: string, rel: string): Promise<void> => {
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch (err) {
      throw new Error(`build context: cannot read ${path.join(dir)}: ${(err as Error).message}`);
    }
    names.sort();
    for (const name of names) {
      const relPath = rel ? `${rel}/${name}` : name;
      const abs = path.join(dir, name);
      const stat = await fs.lstat(abs, { bigint: true });
      const excluded = ignore.ignores(relPath);
      if (stat.isDirectory()) {
        if (excluded && !ignore.mayReinclude(relPath)) continue;
        if (!excluded) entries.set(relPath, entryOf(relPath, 'dir', stat));
        const before = entries.size;
        await walk(abs, relPath);
        // An excluded folder still holds what `!pattern` re-included: it is part of the context.
        if (excluded && entries.size > before) entries.set(relPath, entryOf(relPath, 'dir', stat));
      } else if (!excluded) {
        if (stat.isSymbolicLink()) {
          const entry = entryOf(relPath, 'symlink', stat);
          entry.target = await fs.readlink(abs);
          entries.set(relPath, entry);
        } else if (stat.isFile()) {
          const entry = entryOf(relPath, 'file', stat);
          entries.set(relPath, entry);
          toHash.push({ entry, abs, stat });
        }
        // Sockets, fifos and devices in a context are not copied (as BuildKit skips them).
      }
    }
  };
  await walk(root, '');

  let hashed = 0;
  let cached = 0;
  const cache = options.statCache;
  const queue = toHash.slice();
  const worker = async (): Promise<void> => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      const known = cache?.lookup(job.entry.path, job.stat);
      if (known) {
        job.entry.digest = known;
        cached++;
        continue;
      }
      job.entry.digest = await hashFile(job.abs);
      cache?.record(job.entry.path, job.stat, job.entry.digest);
      hashed++;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));
  return { root, entries, ignore, hashed, cached };
}

function entryOf(relPath: string, kind: ContextEntry['kind'], stat: import('node:fs').BigIntStats): ContextEntry {
  return {
    path: relPath,
    kind,
    mode: Number(stat.mode & 0o7777n),
    uid: Number(stat.uid),
    gid: Number(stat.gid),
    size: kind === 'file' ? Number(stat.size) : 0,
  };
}

export async function hashFile(abs: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(abs)) hash.update(chunk as Buffer);
  } catch (err) {
    throw new Error(`build context: cannot read ${abs}: ${(err as Error).message}`);
  }
  return `sha256:${hash.digest('hex')}`;
}
