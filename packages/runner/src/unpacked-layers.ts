// Each layer unpacked once into a directory of its own, as an overlayfs lower dir: OCI whiteouts
// become overlay whiteouts (0/0 character devices, the opaque xattr). Kept beside the OCI layout
// under the store's records (`.dfc/unpacked/<diff_id hex>`), never inside blobs/.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { DigestStream, maybeGunzip, pidAlive, unpackLayer, type Descriptor, type Digest, type Store } from '@dfc/store';
import { mountTable, mountsBelow, type MountEntry } from './cleanup.js';
import { resolveInRoot } from './root-path.js';

/** A layer of an image as the store describes it: bottom to top in an image. */
export interface LayerRef {
  diffId: Digest;
  descriptor: Descriptor;
}

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

/** Runs a host tool (never one from an image) and fails with its stderr. */
export function runTool(file: string, args: string[], hint?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(err.code === 'ENOENT' ? `${file} not found${hint ? `; ${hint}` : ''}` : `${file}: ${err.message}`)),
    );
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${file} ${args.join(' ')}: ${stderr.trim() || `exit status ${code}`}`))));
  });
}

export const ATTR_HINT = 'install it with: apt-get install -y attr';

export class UnpackedLayers {
  private readonly pending = new Map<string, Promise<string>>();

  constructor(readonly store: Store) {}

  get dir(): string {
    return join(this.store.recordsDir, 'unpacked');
  }

  pathOf(diffId: Digest): string {
    return join(this.dir, diffId.slice('sha256:'.length));
  }

  /** The directory of the unpacked layer, unpacking it first when this is its first use. */
  async ensure(layer: LayerRef): Promise<string> {
    const path = this.pathOf(layer.diffId);
    // Only unpacks in flight are shared: a finished one is looked up on disk again, so a cache
    // emptied by hand is refilled instead of trusted.
    let job = this.pending.get(path);
    if (!job) {
      job = this.unpackOnce(layer, path);
      this.pending.set(path, job);
      const forget = (): void => void this.pending.delete(path);
      job.then(forget, forget);
    }
    return job;
  }

  private swept = false;

  private async unpackOnce(layer: LayerRef, path: string): Promise<string> {
    try {
      if ((await lstat(path)).isDirectory()) return path;
    } catch {
      // not unpacked yet
    }
    await mkdir(this.dir, { recursive: true });
    if (!this.swept) {
      this.swept = true;
      await removeStaleTemps(this.dir);
    }
    const tmp = join(this.dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
    try {
      await this.unpackInto(layer, tmp);
      try {
        await rename(tmp, path);
      } catch (err) {
        // Another process unpacked the same layer first: its copy is as good as ours.
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
        await rm(tmp, { recursive: true, force: true });
      }
      return path;
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
  }

  private async unpackInto(layer: LayerRef, dir: string): Promise<void> {
    const source = await maybeGunzip(this.store.openBlob(layer.descriptor.digest));
    const toUnpack = new PassThrough({ highWaterMark: 1 << 20 });
    const toScan = new PassThrough({ highWaterMark: 1 << 20 });
    source.pipe(toUnpack);
    source.pipe(toScan);
    source.on('error', (err) => {
      toUnpack.destroy(err);
      toScan.destroy(err);
    });
    const hasher = new DigestStream();
    const whiteouts: string[] = [];
    const extract = tar.extract();
    extract.on('entry', (header, body, next) => {
      const base = header.name.replace(/\/+$/, '').split('/').pop() ?? '';
      if (base.startsWith(WHITEOUT)) whiteouts.push(header.name);
      body.on('end', () => next());
      body.resume();
    });
    const scanning = pipeline(toScan, hasher, extract as unknown as Writable);
    const [, ] = await Promise.all([unpackLayer(toUnpack, dir, { chown: true }), scanning]);
    if (hasher.digest() !== layer.diffId) {
      throw new Error(`layer ${layer.descriptor.digest}: its content has diff_id ${hasher.digest()}, the image says ${layer.diffId}; the store may be corrupt (try dfc store verify)`);
    }
    await this.overlayWhiteouts(dir, whiteouts);
  }

  /** OCI whiteouts as overlayfs expects them in a lower dir. */
  private async overlayWhiteouts(dir: string, names: string[]): Promise<void> {
    const opaque: string[] = [];
    for (const name of names) {
      const parts = name.split('/').filter((p) => p !== '' && p !== '.');
      const base = parts.pop()!;
      const parent = await resolveInRoot(dir, parts.join('/'));
      if (!parent.exists) continue;
      if (base === OPAQUE) {
        opaque.push(parent.host);
        continue;
      }
      const victim = join(parent.host, base.slice(WHITEOUT.length));
      try {
        await lstat(victim);
        continue; // the layer itself has the file again: it hides the lower one already
      } catch {
        // not there: make the whiteout
      }
      await runTool('mknod', ['-m', '000', victim, 'c', '0', '0']);
    }
    if (opaque.length > 0) await runTool('setfattr', ['-n', 'trusted.overlay.opaque', '-v', 'y', '--', ...opaque], ATTR_HINT);
  }
}

export interface UnpackedPruneResult {
  /** The diff_ids whose directories were removed. */
  removed: Digest[];
  bytesFreed: number;
}

/**
 * Removes the unpacked directories of layers no image config left in the store names (run after
 * the blobs are pruned). A directory another dfc process may be using is kept: one written since
 * the oldest other live session began, or one an overlay mount on this machine still reads.
 */
export async function pruneUnpacked(store: Store): Promise<UnpackedPruneResult> {
  const layers = new UnpackedLayers(store);
  const result: UnpackedPruneResult = { removed: [], bytesFreed: 0 };
  let names: string[];
  try {
    names = await readdir(layers.dir);
  } catch {
    return result;
  }
  await removeStaleTemps(layers.dir);
  const wanted = await diffIdsInStore(store);
  const oldestWriter = await store.oldestOtherSession();
  const table = await mountTable().catch((): MountEntry[] => []);
  const mounted = overlayLowerDirs(table);
  for (const name of names) {
    if (name.startsWith('.') || wanted.has(`sha256:${name}`)) continue;
    const dir = join(layers.dir, name);
    const st = await lstat(dir).catch(() => undefined);
    if (!st?.isDirectory()) continue;
    if (oldestWriter !== undefined && st.mtimeMs >= oldestWriter - 2000) continue;
    if ([...mounted].some((lower) => lower === dir || lower.startsWith(dir + '/'))) continue;
    if ((await mountsBelow(dir, table)).length > 0) continue;
    result.bytesFreed += await treeSize(dir);
    await rm(dir, { recursive: true, force: true });
    result.removed.push(`sha256:${name}` as Digest);
  }
  return result;
}

/** Every diff_id an image config among the store's blobs lists. */
async function diffIdsInStore(store: Store): Promise<Set<string>> {
  const out = new Set<string>();
  for (const digest of await store.listBlobs()) {
    // Configs are small JSON documents; layers are neither.
    if ((await store.blobSize(digest).catch(() => Infinity)) > 4 << 20) continue;
    let doc: { rootfs?: { diff_ids?: unknown } };
    try {
      const bytes = await store.readBlob(digest);
      if (bytes[0] !== 0x7b) continue;
      doc = JSON.parse(bytes.toString('utf8')) as typeof doc;
    } catch {
      continue;
    }
    const ids = doc.rootfs?.diff_ids;
    if (Array.isArray(ids)) for (const id of ids) if (typeof id === 'string') out.add(id);
  }
  return out;
}

/** The lower directories of the overlay mounts in `table`. */
function overlayLowerDirs(table: MountEntry[]): Set<string> {
  const out = new Set<string>();
  for (const m of table) {
    if (m.fsType !== 'overlay') continue;
    const lower = /(?:^|,)lowerdir=([^,]*)/.exec(m.superOptions)?.[1];
    for (const dir of lower?.split(':') ?? []) if (dir) out.add(dir);
  }
  return out;
}

async function treeSize(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += await treeSize(p);
    else total += (await lstat(p).catch(() => undefined))?.size ?? 0;
  }
  return total;
}

/** Removes `.tmp-PID-…` directories whose process is gone (a crash that took the guard along). */
export async function removeStaleTemps(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = /^\.tmp-(\d+)-/.exec(name)?.[1];
    if (pid === undefined || pidAlive(Number(pid))) continue;
    // Never through a mount: a stale one is left for the operator rather than emptied.
    if ((await mountsBelow(join(dir, name))).length > 0) continue;
    await rm(join(dir, name), { recursive: true, force: true });
  }
}
