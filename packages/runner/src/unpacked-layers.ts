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
import { DigestStream, maybeGunzip, unpackLayer, type Descriptor, type Digest, type Store } from '@dfc/store';
import { mountsBelow } from './cleanup.js';
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
    if (pid === undefined || isAlive(Number(pid))) continue;
    // Never through a mount: a stale one is left for the operator rather than emptied.
    if ((await mountsBelow(join(dir, name))).length > 0) continue;
    await rm(join(dir, name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
