// The build context: the files a build may COPY or ADD, after .dockerignore, each hashed by
// content, and each folder by a tree digest over what it holds. Read once per build; a stat
// cache (path, mode, size, mtime, ctime, inode) means a file whose stat did not change since
// the last build is not read again, and a folder under which nothing changed keeps its digest.
import { createHash } from 'node:crypto';
import fsSync, { createReadStream, type Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createDockerignore, type Dockerignore } from './dockerignore.js';
import { StatCache } from './stat-cache.js';

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
  /** The names of each folder's entries, sorted (`` is the root); a folder with none is absent. */
  children: Map<string, string[]>;
  /** Each folder's tree digest (`` is the root): see treeDigest. */
  trees: Map<string, string>;
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
  const ignoring = ignore.patterns.length > 0;
  const statCache = options.statCache ?? StatCache.memory();
  statCache.setScope(ignore.patterns.join('\n'));
  statCache.startWalk();
  const entries = new Map<string, ContextEntry>();
  const children = new Map<string, string[]>();
  const trees = new Map<string, string>();
  let cached = 0;
  const toHash: { entry: ContextEntry; abs: string; slot: number }[] = [];
  // Folders whose tree digest is to be computed once their files are hashed, children first.
  const stale: { rel: string; slot: number }[] = [];

  // A re-included pattern (`!dir/keep`) can reach under an excluded folder, so folders are only
  // skipped whole when nothing could re-include below them.
  // Synchronous calls: the walk is a long run of tiny stats with nothing else to do meanwhile,
  // and each awaited promise costs more than the stat itself (100,000 files: seconds against 0.3 s).
  // Returns whether nothing below `dir` changed since the stat cache's walk: then every folder
  // below keeps its recorded tree digest. A folder's own stat changes when an entry is added,
  // removed or renamed in it; a file's when it is written or chmod-ed.
  const walk = (dir: string, rel: string): boolean => {
    let names: string[];
    try {
      names = fsSync.readdirSync(dir || '/');
    } catch (err) {
      throw new Error(`build context: cannot read ${dir || '/'}: ${(err as Error).message}`);
    }
    names.sort();
    const kept: string[] = [];
    let unchanged = true;
    for (const name of names) {
      const relPath = rel ? `${rel}/${name}` : name;
      const abs = `${dir}/${name}`;
      const stat = fsSync.lstatSync(abs);
      const excluded = ignoring && ignore.ignores(relPath);
      if (stat.isDirectory()) {
        if (excluded && !ignore.mayReinclude(relPath)) continue;
        const slot = statCache.visit(relPath, stat);
        const known = statCache.known(slot);
        const entry = entryOf(relPath, 'dir', stat);
        if (!excluded) entries.set(relPath, entry);
        const before = entries.size;
        const below = walk(abs, relPath);
        // An excluded folder still holds what `!pattern` re-included: it is part of the context.
        const isEntry = !excluded || entries.size > before;
        if (excluded && isEntry) entries.set(relPath, entry);
        if (isEntry) kept.push(name);
        if (known !== undefined && below && (isEntry ? known.startsWith('sha256:') : known === '-')) {
          if (isEntry) trees.set(relPath, known);
        } else {
          unchanged = false;
          stale.push({ rel: relPath, slot });
        }
      } else if (!excluded) {
        if (stat.isSymbolicLink()) {
          const entry = entryOf(relPath, 'symlink', stat);
          const slot = statCache.visit(relPath, stat);
          const known = statCache.known(slot);
          if (known === undefined) {
            entry.target = fsSync.readlinkSync(abs);
            statCache.record(slot, entry.target);
            unchanged = false;
          } else entry.target = known;
          entries.set(relPath, entry);
          kept.push(name);
        } else if (stat.isFile()) {
          const entry = entryOf(relPath, 'file', stat);
          entries.set(relPath, entry);
          kept.push(name);
          // A file the stat cache knows needs no read: only the others go to the hashing queue.
          const slot = statCache.visit(relPath, stat);
          const known = statCache.known(slot);
          if (known !== undefined) {
            entry.digest = known;
            cached++;
          } else {
            toHash.push({ entry, abs, slot });
            unchanged = false;
          }
        }
        // Sockets, fifos and devices in a context are not copied (as BuildKit skips them).
      }
    }
    if (kept.length > 0) children.set(rel, kept);
    return unchanged;
  };
  const rootSlot = statCache.visit('', rootStat);
  const rootKnown = statCache.known(rootSlot);
  // Paths are joined as `${dir}/${name}` (no path.join per entry): the root without its trailing slash.
  if (walk(path.resolve(root).replace(/\/+$/, ''), '') && rootKnown?.startsWith('sha256:')) trees.set('', rootKnown);
  else stale.push({ rel: '', slot: rootSlot });

  let hashed = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let job = toHash[next++]; job; job = toHash[next++]) {
      job.entry.digest = await hashFile(job.abs, job.entry.size);
      statCache.record(job.slot, job.entry.digest);
      hashed++;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));

  const ctx: BuildContext = { root, entries, children, trees, ignore, hashed, cached };
  // Children come before their folder in `stale`, so a folder's subfolders have their digests.
  for (const { rel, slot } of stale) {
    if (rel === '' || entries.has(rel)) {
      const digest = treeDigest(ctx, rel);
      trees.set(rel, digest);
      statCache.record(slot, digest);
    } else statCache.record(slot, '-');
  }
  return ctx;
}

/**
 * A folder's content as one digest (a Merkle tree): for each entry, sorted by name, its name
 * and what a cache key says of it (a file's digest and mode, a link's target, a folder's mode
 * and tree digest). Equal digests mean the same files, modes and links below the folder.
 */
export function treeDigest(ctx: BuildContext, rel: string): string {
  const hash = createHash('sha256');
  const prefix = rel === '' ? '' : `${rel}/`;
  let text = '';
  for (const name of ctx.children.get(rel) ?? []) {
    const entry = ctx.entries.get(prefix + name)!;
    // NUL cannot occur in a name, a digest or a link target: the text reads one way only.
    text += `${name}\0${entrySummary(entry)}${entry.kind === 'dir' ? ` ${ctx.trees.get(entry.path)}` : ''}\0`;
  }
  return `sha256:${hash.update(text).digest('hex')}`;
}

/** What a cache key says of one context entry: a file's digest and mode, a link's target, a folder's mode. */
export function entrySummary(e: ContextEntry): string {
  return e.kind === 'file' ? `${e.digest} ${e.mode.toString(8)}` : e.kind === 'symlink' ? `-> ${e.target}` : `dir ${e.mode.toString(8)}`;
}

function entryOf(relPath: string, kind: ContextEntry['kind'], stat: Stats): ContextEntry {
  return {
    path: relPath,
    kind,
    mode: stat.mode & 0o7777,
    uid: stat.uid,
    gid: stat.gid,
    size: kind === 'file' ? stat.size : 0,
  };
}

export async function hashFile(abs: string, size = Infinity): Promise<string> {
  const hash = createHash('sha256');
  try {
    // A small file in one read: a stream's setup costs more than the file.
    if (size < 1 << 20) return `sha256:${hash.update(await fs.readFile(abs)).digest('hex')}`;
    for await (const chunk of createReadStream(abs)) hash.update(chunk as Buffer);
  } catch (err) {
    throw new Error(`build context: cannot read ${abs}: ${(err as Error).message}`);
  }
  return `sha256:${hash.digest('hex')}`;
}
