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
  /** `dev:ino` of a file with several names (hard links), the same for each name. */
  inode?: string;
}

export interface BuildContext {
  root: string;
  /** Every entry that .dockerignore keeps, by path (and the folders holding re-included files). */
  entries: ContextEntries;
  /** The names of each folder's entries, sorted (`` is the root); a folder with none is absent. */
  children: Map<string, string[]>;
  /** Each folder's tree digest (`` is the root): a Merkle digest over what is below it. */
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

/**
 * One folder's entries, sorted by name, as parallel arrays: a context of 100,000 files would
 * otherwise make 100,000 objects and a 100,000-key map on every build, used or not.
 */
interface Folder {
  names: string[];
  kinds: ContextEntry['kind'][];
  modes: number[];
  uids: number[];
  gids: number[];
  sizes: number[];
  /** A file's digest, a link's target. */
  values: (string | undefined)[];
  /** `dev:ino` by index, for files with several names (hard links) only. */
  links?: Map<number, string>;
}

/** The context's entries by path, read from the folders as they are asked for. */
export class ContextEntries {
  constructor(
    private readonly folders: Map<string, Folder>,
    readonly size: number,
  ) {}

  get(relPath: string): ContextEntry | undefined {
    const slash = relPath.lastIndexOf('/');
    const dir = slash < 0 ? '' : relPath.slice(0, slash);
    const folder = this.folders.get(dir);
    const i = folder ? indexOfName(folder.names, slash < 0 ? relPath : relPath.slice(slash + 1)) : -1;
    return i < 0 ? undefined : entryAt(folder!, i, relPath);
  }

  has(relPath: string): boolean {
    return this.get(relPath) !== undefined;
  }

  /** Each entry, a folder before what it holds. */
  *[Symbol.iterator](): IterableIterator<[string, ContextEntry]> {
    const visit = function* (folders: Map<string, Folder>, dir: string): Generator<[string, ContextEntry]> {
      const folder = folders.get(dir);
      if (!folder) return;
      for (let i = 0; i < folder.names.length; i++) {
        const rel = dir === '' ? folder.names[i]! : `${dir}/${folder.names[i]}`;
        yield [rel, entryAt(folder, i, rel)];
        if (folder.kinds[i] === 'dir') yield* visit(folders, rel);
      }
    };
    yield* visit(this.folders, '');
  }

  *keys(): IterableIterator<string> {
    for (const [rel] of this) yield rel;
  }

  *values(): IterableIterator<ContextEntry> {
    for (const [, entry] of this) yield entry;
  }

  /** A folder's tree-digest text: each entry's name and key line (summaryAt), NUL-separated. */
  treeText(dir: string, trees: Map<string, string>): string {
    const folder = this.folders.get(dir);
    if (!folder) return '';
    let text = '';
    for (let i = 0; i < folder.names.length; i++) {
      const name = folder.names[i]!;
      const tree = folder.kinds[i] === 'dir' ? ` ${trees.get(dir === '' ? name : `${dir}/${name}`)}` : '';
      // NUL cannot occur in a name, a digest or a link target: the text reads one way only.
      text += `${name}\0${summaryOf(folder.kinds[i]!, folder.modes[i]!, folder.values[i], folder.links?.has(i) === true)}${tree}\0`;
    }
    return text;
  }
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
  const folders = new Map<string, Folder>();
  const children = new Map<string, string[]>();
  const trees = new Map<string, string>();
  let size = 0;
  let cached = 0;
  const toHash: { folder: Folder; i: number; abs: string; slot: number; rel: string }[] = [];
  // Folders whose tree digest is to be computed once their files are hashed, children first.
  const stale: { rel: string; slot: number; isEntry: boolean }[] = [];

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
    const folder: Folder = { names: [], kinds: [], modes: [], uids: [], gids: [], sizes: [], values: [] };
    const keep = (name: string, kind: ContextEntry['kind'], stat: Stats, value: string | undefined): number => {
      folder.names.push(name);
      folder.kinds.push(kind);
      folder.modes.push(stat.mode & 0o7777);
      folder.uids.push(stat.uid);
      folder.gids.push(stat.gid);
      folder.sizes.push(kind === 'file' ? stat.size : 0);
      return folder.values.push(value) - 1;
    };
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
        const below = walk(abs, relPath);
        // An excluded folder still holds what `!pattern` re-included: it is part of the context.
        const isEntry = !excluded || folders.has(relPath);
        if (isEntry) keep(name, 'dir', stat, undefined);
        if (known !== undefined && below && (isEntry ? known.startsWith('sha256:') : known === '-')) {
          if (isEntry) trees.set(relPath, known);
        } else {
          unchanged = false;
          stale.push({ rel: relPath, slot, isEntry });
        }
      } else if (!excluded) {
        if (stat.isSymbolicLink()) {
          const slot = statCache.visit(relPath, stat);
          let target = statCache.known(slot);
          if (target === undefined) {
            target = fsSync.readlinkSync(abs);
            statCache.record(slot, target);
            unchanged = false;
          }
          keep(name, 'symlink', stat, target);
        } else if (stat.isFile()) {
          // A file the stat cache knows needs no read: only the others go to the hashing queue.
          const slot = statCache.visit(relPath, stat);
          const known = statCache.known(slot);
          const i = keep(name, 'file', stat, known);
          if (stat.nlink > 1) (folder.links ??= new Map()).set(i, `${stat.dev}:${stat.ino}`);
          if (known !== undefined) cached++;
          else {
            toHash.push({ folder, i, abs, slot, rel: relPath });
            unchanged = false;
          }
        }
        // Sockets, fifos and devices in a context are not copied (as BuildKit skips them).
      }
    }
    if (folder.names.length > 0) {
      folders.set(rel, folder);
      children.set(rel, folder.names);
      size += folder.names.length;
    }
    return unchanged;
  };
  const rootSlot = statCache.visit('', rootStat);
  const rootKnown = statCache.known(rootSlot);
  // Paths are joined as `${dir}/${name}` (no path.join per entry): the root without its trailing slash.
  if (walk(path.resolve(root).replace(/\/+$/, ''), '') && rootKnown?.startsWith('sha256:')) trees.set('', rootKnown);
  else stale.push({ rel: '', slot: rootSlot, isEntry: true });

  let hashed = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let job = toHash[next++]; job; job = toHash[next++]) {
      const digest = await hashFile(job.abs, job.folder.sizes[job.i]);
      job.folder.values[job.i] = digest;
      statCache.record(job.slot, digest);
      hashed++;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));

  const entries = new ContextEntries(folders, size);
  // A folder's content as one digest (a Merkle tree) over each entry's name and key line, a
  // subfolder's with its own tree digest: equal digests mean the same files, modes and links.
  // Children come before their folder in `stale`, so a folder's subfolders have their digests.
  for (const { rel, slot, isEntry } of stale) {
    if (isEntry) {
      const digest = `sha256:${createHash('sha256').update(entries.treeText(rel, trees)).digest('hex')}`;
      trees.set(rel, digest);
      statCache.record(slot, digest);
    } else statCache.record(slot, '-');
  }
  return { root, entries, children, trees, ignore, hashed, cached };
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

function entryAt(folder: Folder, i: number, relPath: string): ContextEntry {
  const kind = folder.kinds[i]!;
  const entry: ContextEntry = { path: relPath, kind, mode: folder.modes[i]!, uid: folder.uids[i]!, gid: folder.gids[i]!, size: folder.sizes[i]! };
  const value = folder.values[i];
  if (value !== undefined) {
    if (kind === 'file') entry.digest = value;
    else if (kind === 'symlink') entry.target = value;
  }
  const inode = folder.links?.get(i);
  if (inode !== undefined) entry.inode = inode;
  return entry;
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
    if (size < 1 << 20) return `sha256:${hash.update(await fs.readFile(abs)).digest('hex')}`;
    for await (const chunk of createReadStream(abs)) hash.update(chunk as Buffer);
  } catch (err) {
    throw new Error(`build context: cannot read ${abs}: ${(err as Error).message}`);
  }
  return `sha256:${hash.digest('hex')}`;
}
