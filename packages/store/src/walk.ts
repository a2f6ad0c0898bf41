// A host directory as layer entries, in layer order, one directory listing in memory at a time.
import type { Stats } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { LayerEntry } from './layer-entry.js';
import { compareLayerPaths } from './layer-entry.js';

export interface WalkOptions {
  /** Owner of every entry instead of the one on disk (like COPY --chown). */
  owner?: { uid: number; gid: number };
  /** Layer path the directory's contents go under (default: the layer root). */
  prefix?: string;
}

/** Walks `dir` (not following symlinks); files with several links become hard links. */
export async function* entriesFromDir(dir: string, options: WalkOptions = {}): AsyncGenerator<LayerEntry> {
  const seen = new Map<string, string>();
  const prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
  async function* walk(hostDir: string, layerDir: string): AsyncGenerator<LayerEntry> {
    let names: string[];
    try {
      names = await readdir(hostDir);
    } catch (err) {
      throw new Error(`${hostDir}: cannot list: ${(err as Error).message}`);
    }
    names.sort((a, b) => compareLayerPaths(a, b));
    // lstat a batch of names at once: the thread pool overlaps them, order stays the sorted one.
    const stats: Promise<Stats>[] = [];
    const BATCH = 64;
    const launch = (from: number): void => {
      for (let j = from; j < Math.min(from + BATCH, names.length); j++) {
        stats[j] = lstat(join(hostDir, names[j]!));
        stats[j]!.catch(() => undefined);
      }
    };
    launch(0);
    for (const [i, name] of names.entries()) {
      if (i % BATCH === 0) launch(i + BATCH);
      const hostPath = join(hostDir, name);
      const path = layerDir ? `${layerDir}/${name}` : name;
      const st = await stats[i]!;
      delete stats[i];
      const uid = options.owner?.uid ?? st.uid;
      const gid = options.owner?.gid ?? st.gid;
      const mode = st.mode & 0o7777;
      if (st.isDirectory()) {
        yield { kind: 'dir', path, mode, uid, gid };
        yield* walk(hostPath, path);
      } else if (st.isFile()) {
        if (st.nlink > 1) {
          const key = `${st.dev}:${st.ino}`;
          const first = seen.get(key);
          if (first !== undefined) {
            yield { kind: 'hardlink', path, target: first, uid, gid };
            continue;
          }
          seen.set(key, path);
        }
        yield { kind: 'file', path, mode, uid, gid, content: { hostPath, size: st.size } };
      } else if (st.isSymbolicLink()) {
        yield { kind: 'symlink', path, target: await readlink(hostPath), uid, gid };
      } else if (st.isFIFO()) {
        yield { kind: 'fifo', path, mode, uid, gid };
      } else if (st.isCharacterDevice() || st.isBlockDevice()) {
        const major = Number((BigInt(st.rdev) >> 8n) & 0xfffn) | (Number(BigInt(st.rdev) >> 32n) & ~0xfff);
        const minor = (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00);
        yield { kind: st.isCharacterDevice() ? 'char' : 'block', path, mode, uid, gid, major, minor };
      }
      // Sockets have no place in a layer.
    }
  }
  if (prefix) {
    // Parent directories of the prefix, so the layer is complete on its own.
    const parts = prefix.split('/');
    for (let i = 1; i <= parts.length; i++) yield { kind: 'dir', path: parts.slice(0, i).join('/'), mode: 0o755, uid: 0, gid: 0 };
  }
  yield* walk(dir, prefix);
}
