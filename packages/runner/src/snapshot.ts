// The fallback where overlayfs cannot be mounted: the image's layers unpacked into one copied
// root, a snapshot of every path's metadata before the run, and a tree comparison after it.
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { compareLayerPaths, unpackLayer, type LayerEntry, type Store } from '@dfc/store';
import type { LayerRef } from './unpacked-layers.js';

/** Applies the layers, bottom first, onto `dir`. */
export async function copyRoot(store: Store, layers: readonly LayerRef[], dir: string): Promise<void> {
  for (const layer of layers) await unpackLayer(store.openBlob(layer.descriptor.digest), dir, { chown: true });
}

/** Path (relative, `/`-separated) → what must stay equal for the path to count as unchanged. */
export type Snapshot = Map<string, string>;

async function walk(root: string, visit: (path: string, signature: string, isDir: boolean) => void): Promise<void> {
  async function dir(host: string, rel: string): Promise<void> {
    const names = await readdir(host);
    for (const name of names) {
      const path = rel ? `${rel}/${name}` : name;
      const st = await lstat(join(host, name), { bigint: true });
      const isDir = st.isDirectory();
      // ctime moves on every change of content, mode, owner or links; ino catches a replaced file.
      visit(path, `${st.mode}:${st.uid}:${st.gid}:${st.size}:${st.mtimeNs}:${st.ctimeNs}:${st.ino}:${st.rdev}`, isDir);
      if (isDir) await dir(join(host, name), path);
    }
  }
  await dir(root, '');
}

export async function snapshotTree(root: string): Promise<Snapshot> {
  const snapshot: Snapshot = new Map();
  await walk(root, (path, signature) => snapshot.set(path, signature));
  return snapshot;
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/** What changed under `root` since `before`, as layer entries (parents of changes included). */
export async function treeChanges(root: string, before: Snapshot): Promise<LayerEntry[]> {
  const after: Snapshot = new Map();
  const changed = new Set<string>();
  await walk(root, (path, signature) => {
    after.set(path, signature);
    if (before.get(path) !== signature) changed.add(path);
  });
  const deleted: string[] = [];
  for (const path of before.keys()) {
    // Only the topmost deleted path gets a whiteout; a parent that is still there keeps its place.
    if (!after.has(path) && (parentOf(path) === '' || after.has(parentOf(path)))) deleted.push(path);
  }
  // Parents of every change, so the layer stands on its own.
  for (const path of [...changed, ...deleted]) {
    for (let p = parentOf(path); p !== '' && !changed.has(p); p = parentOf(p)) changed.add(p);
  }
  const entries: LayerEntry[] = deleted.map((path) => ({ kind: 'whiteout', path }));
  const seen = new Map<string, string>();
  for (const path of [...changed].sort(compareLayerPaths)) {
    const host = join(root, path);
    const st = await lstat(host);
    const owner = { uid: st.uid, gid: st.gid };
    const mode = st.mode & 0o7777;
    if (st.isDirectory()) entries.push({ kind: 'dir', path, mode, ...owner });
    else if (st.isFile()) {
      const key = `${st.dev}:${st.ino}`;
      const first = st.nlink > 1 ? seen.get(key) : undefined;
      if (first !== undefined) entries.push({ kind: 'hardlink', path, target: first, ...owner });
      else {
        if (st.nlink > 1) seen.set(key, path);
        entries.push({ kind: 'file', path, mode, ...owner, content: { hostPath: host, size: st.size } });
      }
    } else if (st.isSymbolicLink()) entries.push({ kind: 'symlink', path, target: await readlink(host), ...owner });
    else if (st.isFIFO()) entries.push({ kind: 'fifo', path, mode, ...owner });
    else if (st.isCharacterDevice() || st.isBlockDevice()) {
      const major = Number((BigInt(st.rdev) >> 8n) & 0xfffn);
      const minor = (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00);
      entries.push({ kind: st.isCharacterDevice() ? 'char' : 'block', path, mode, ...owner, major, minor });
    }
  }
  return entries;
}
