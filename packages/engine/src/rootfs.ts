// A stage's root file system as a directory, for COPY to look into (is the destination a
// folder, who is `app` in /etc/passwd) and to copy from (COPY --from). As root, a read-only
// overlayfs of the layers the runner keeps unpacked (no file is written, so a step over a
// 100,000-file layer costs a mount, not an unpack); otherwise every layer unpacked in order by
// the store's safe unpacker, whiteouts applied. Each mount is told to the runner's cleanup guard
// first, so a build killed even by SIGKILL leaves none behind; the next build removes what a dead
// one left in its scratch folder.
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pidAlive, unpackLayer, type LayerEntry, type Store } from '@dfc/store';
import { UnpackedLayers, guardCleanup, mountsBelow, unmount, type LayerRef } from '@dfc/runner';
import type { SourceTree } from './copy.js';

/** Overlay mounts made here, to undo with releaseRootfsUnder, and their release from the guard. */
const mounted = new Map<string, () => void>();
const unpackedByStore = new WeakMap<Store, UnpackedLayers>();
// The kernel takes one page of mount options; each lower is a 64-character name and a colon.
const MAX_OVERLAY_LOWERS = 55;

export async function materializeRootfs(store: Store, layers: readonly LayerRef[], dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  // Unpacked by another user, every file would be that user's, and so would every copy of it.
  if (layers.length > 0 && process.getuid?.() !== 0) throw new NotRootError("reading an image's layers");
  if (await mountLayers(store, layers, dir)) return;
  for (const layer of layers) {
    if (!(await store.hasBlob(layer.descriptor.digest))) {
      throw new Error(`${store.blobPath(layer.descriptor.digest)}: layer ${layer.diffId} is missing from the store; run dfc store verify`);
    }
    await unpackLayer(store.openBlob(layer.descriptor.digest), dir);
  }
}

/** Why a build step needs root: it reads an image's files with their owners. */
export class NotRootError extends Error {
  constructor(what: string) {
    super(`${what} keeps its files' owners only as root (as another user every file would be yours, and so would its copies); run dfc build as root`);
  }
}

/** Mounts the layers read-only at `dir` (true), or says it cannot (not root, no overlayfs, too many layers). */
async function mountLayers(store: Store, layers: readonly LayerRef[], dir: string): Promise<boolean> {
  if (process.getuid?.() !== 0 || process.platform !== 'linux' || layers.length > MAX_OVERLAY_LOWERS || /[,:\\\n]/.test(dir)) return false;
  let unpacked = unpackedByStore.get(store);
  if (!unpacked) unpackedByStore.set(store, (unpacked = new UnpackedLayers(store)));
  const lowers = await Promise.all(layers.map((l) => unpacked!.ensure(l)));
  // A lower-only overlay needs two lowers: an empty one sits at the bottom.
  const empty = path.join(dir, '..', `.empty-${path.basename(dir)}`);
  await fs.mkdir(empty, { recursive: true });
  const names = [...lowers.reverse().map((l) => path.relative(unpacked!.dir, l)), path.relative(unpacked!.dir, empty)];
  const release = guardCleanup(`rootfs-${randomBytes(6).toString('hex')}`, { mounts: [dir], remove: [] });
  const ok = await new Promise<boolean>((resolve) => {
    const child = spawn('mount', ['-t', 'overlay', 'overlay', '-o', `ro,lowerdir=${names.join(':')}`, dir], { cwd: unpacked!.dir, stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
  if (ok) mounted.set(dir, release);
  else release();
  return ok;
}

/** Unmounts every root file system mounted under `parent` (before a step's scratch is removed). */
export async function releaseRootfsUnder(parent: string): Promise<void> {
  for (const [dir, release] of [...mounted]) {
    if (dir !== parent && !dir.startsWith(`${parent}${path.sep}`)) continue;
    await unmount(dir).catch(() => undefined);
    mounted.delete(dir);
    release();
  }
}

/**
 * Removes the scratch folders (`build-<pid>-…`) of builds whose process is gone, unmounting what
 * they left mounted there first (a kill that took the cleanup guard along too).
 */
export async function removeDeadBuilds(tmp: string): Promise<void> {
  for (const name of await fs.readdir(tmp).catch(() => [] as string[])) {
    const pid = /^build-(\d+)-/.exec(name)?.[1];
    if (pid === undefined || pidAlive(Number(pid))) continue;
    const dir = path.join(tmp, name);
    try {
      for (const point of (await mountsBelow(dir)).reverse()) await unmount(point);
      await fs.rm(dir, { recursive: true, force: true });
    } catch {
      // Still busy or not ours to undo: left for the next build, never removed through a mount.
    }
  }
}

/**
 * The entries with the folders above them that they lack, as the image has those folders (mode
 * and owner). A layer is unpacked on its own as an overlay lower dir, where a missing parent would
 * be made root-owned 0755 and, being higher, hide the image's own; a later RUN copies that up.
 */
export function withParentDirs(entries: LayerEntry[], image: SourceTree): LayerEntry[] {
  const have = new Set(entries.map((e) => e.path.replace(/^\/+|\/+$/g, '')));
  const parents: LayerEntry[] = [];
  for (const e of entries) {
    const parts = e.path.replace(/^\/+|\/+$/g, '').split('/');
    for (let i = 1; i < parts.length; i++) {
      const rel = parts.slice(0, i).join('/');
      if (have.has(rel)) continue;
      have.add(rel);
      const dir = image.lookup(rel);
      if (dir?.kind === 'dir') parents.push({ kind: 'dir', path: rel, mode: dir.mode, uid: dir.uid ?? 0, gid: dir.gid ?? 0 });
    }
  }
  return [...parents, ...entries];
}
