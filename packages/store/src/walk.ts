// A host directory as layer entries, in layer order, one directory listing in memory at a time.
import type { Stats } from 'node:fs';
import { lstatSync, readlinkSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { LayerEntry } from './layer-entry.js';
import { compareLayerPaths } from './layer-entry.js';

export interface WalkOptions {
  /** Owner of every entry instead of the one on disk (like COPY --chown). */
  owner?: { uid: number; gid: number };
  /** Layer path the directory's contents go under (default: the layer root). */
  prefix?: string;
}

/** What the walk remembers across directories: the first path of each multiply-linked file. */
type SeenInodes = Map<string, string>;

/** The entry for one stat'ed path; undefined for sockets, which have no place in a layer. */
export function entryOfStat(
  st: Stats,
  path: string,
  hostPath: string,
  options: WalkOptions,
  seen: SeenInodes,
  readLink: (p: string) => string,
): LayerEntry | undefined {
  const uid = options.owner?.uid ?? st.uid;
  const gid = options.owner?.gid ?? st.gid;
  const mode = st.mode & 0o7777;
  if (st.isDirectory()) return { kind: 'dir', path, mode, uid, gid };
  if (st.isFile()) {
    if (st.nlink > 1) {
      const key = `${st.dev}:${st.ino}`;
      const first = seen.get(key);
      if (first !== undefined) return { kind: 'hardlink', path, target: first, uid, gid };
      seen.set(key, path);
    }
    return { kind: 'file', path, mode, uid, gid, content: { hostPath, size: st.size } };
  }
  if (st.isSymbolicLink()) return { kind: 'symlink', path, target: readLink(hostPath), uid, gid };
  if (st.isFIFO()) return { kind: 'fifo', path, mode, uid, gid };
  if (st.isCharacterDevice() || st.isBlockDevice()) {
    // Linux's dev_t layout (glibc's gnu_dev_major / gnu_dev_minor).
    const rdev = BigInt(st.rdev);
    const major = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
    const minor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
    return { kind: st.isCharacterDevice() ? 'char' : 'block', path, mode, uid, gid, major, minor };
  }
  return undefined;
}

function prefixOf(options: WalkOptions): string {
  return (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
}

/** Parent directories of the prefix, so the layer is complete on its own. */
function* prefixDirs(prefix: string): Generator<LayerEntry> {
  if (!prefix) return;
  const parts = prefix.split('/');
  for (let i = 1; i <= parts.length; i++) yield { kind: 'dir', path: parts.slice(0, i).join('/'), mode: 0o755, uid: 0, gid: 0 };
}

function listError(hostDir: string, err: unknown): Error {
  return new Error(`${hostDir}: cannot list: ${(err as Error).message}`);
}

/** Walks `dir` (not following symlinks); files with several links become hard links. */
export async function* entriesFromDir(dir: string, options: WalkOptions = {}): AsyncGenerator<LayerEntry> {
  const seen: SeenInodes = new Map();
  const prefix = prefixOf(options);
  const readLink = (p: string): string => readlinkSync(p);
  async function* walk(hostDir: string, layerDir: string): AsyncGenerator<LayerEntry> {
    let names: string[];
    try {
      names = await readdir(hostDir);
    } catch (err) {
      throw listError(hostDir, err);
    }
    names.sort(compareLayerPaths);
    for (const name of names) {
      const hostPath = join(hostDir, name);
      const path = layerDir ? `${layerDir}/${name}` : name;
      // Synchronous, like readlink: from the inode cache an lstat takes microseconds, less than
      // the thread-pool round trip of an asynchronous one (which dominated packing small files).
      let st: Stats;
      try {
        st = lstatSync(hostPath);
      } catch (err) {
        throw new Error(`${hostPath}: cannot stat: ${(err as Error).message}`);
      }
      const entry = entryOfStat(st, path, hostPath, options, seen, readLink);
      if (!entry) continue;
      yield entry;
      if (entry.kind === 'dir') yield* walk(hostPath, path);
    }
  }
  yield* prefixDirs(prefix);
  yield* walk(dir, prefix);
}
