// The safe unpacker: applies a layer tar onto a directory, whiteouts included, and never writes
// outside it. Paths resolve inside the root the way a container sees them (a symlink to /etc means
// ROOT/etc); `..` that climbs out of the root is refused, as is a hard link to a path outside.
import { spawnSync } from 'node:child_process';
import { closeSync, createWriteStream, fchmodSync, fchownSync, futimesSync, lstatSync, openSync, writeSync } from 'node:fs';
import { chmod, chown, lchown, link, lstat, lutimes, mkdir, readdir, readlink, rm, symlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { DigestStream, type Digest } from './digest.js';
import { OPAQUE_MARKER, WHITEOUT_PREFIX } from './layer-entry.js';

type TarHeader = Partial<tar.Header> & { name: string };

export interface UnpackOptions {
  /** Set owners from the tar (default: when running as root). */
  chown?: boolean;
  /**
   * 'apply' (default): delete what whiteouts name, as when merging layers into one tree.
   * 'record': leave them out and list them in the result (an overlay lower dir makes its own).
   */
  whiteouts?: 'apply' | 'record';
}

export interface UnpackResult {
  entries: number;
  /** Entries skipped, with why (devices when not root, unknown types). */
  skipped: string[];
  /** sha256 of the uncompressed tar: compare with the image's diff_id. */
  diffId: Digest;
  /** With `whiteouts: 'record'`: the whiteout and opaque entries, as clean layer paths. */
  whiteouts: string[];
}

export class UnsafeLayerError extends Error {}

/** Splits a tar name into clean parts; `..` that climbs above the root is refused. */
export function safeParts(name: string, what = 'entry'): string[] {
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) throw new UnsafeLayerError(`layer ${what} "${name}" climbs out of the root with ".."; refusing it`);
      parts.pop();
      continue;
    }
    parts.push(part);
  }
  return parts;
}

/** Undoes gzip when the stream starts with its magic bytes. */
export async function maybeGunzip(input: Readable): Promise<Readable> {
  const iterator = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let first = await iterator.next();
  while (!first.done && first.value.length === 0) first = await iterator.next();
  if (first.done) return Readable.from([]);
  const head = first.value;
  async function* rest(): AsyncGenerator<Buffer> {
    yield head;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  const joined = Readable.from(rest(), { objectMode: false });
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = createGunzip();
    pipeline(joined, gunzip).catch((err: Error) => gunzip.destroy(err));
    return gunzip;
  }
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) throw new Error('zstd-compressed layers are not supported yet');
  return joined;
}

class RootFs {
  private readonly dirCache = new Map<string, string>();
  /** Paths this layer wrote: a whiteout or opaque marker in the same layer must spare them. */
  readonly written = new Set<string>();
  readonly deferredDirs: { path: string; mode: number; mtime: Date }[] = [];

  constructor(readonly root: string) {}

  invalidate(): void {
    this.dirCache.clear();
  }

  /** Host path of directory `parts`, resolving symlinks inside the root; creates missing dirs. */
  async dir(parts: string[]): Promise<string> {
    const key = parts.join('/');
    const cached = this.dirCache.get(key);
    if (cached !== undefined) return cached;
    const resolved: string[] = [];
    const queue = [...parts];
    let hops = 0;
    while (queue.length > 0) {
      const part = queue.shift()!;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        resolved.pop();
        continue;
      }
      const host = join(this.root, ...resolved, part);
      let st;
      try {
        st = await lstat(host);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        await mkdir(host, { mode: 0o755 });
        resolved.push(part);
        continue;
      }
      if (st.isSymbolicLink()) {
        if (++hops > 40) throw new UnsafeLayerError(`layer path "${key}": too many levels of symbolic links`);
        const target = await readlink(host);
        if (target.startsWith('/')) resolved.length = 0;
        queue.unshift(...target.split('/'));
        continue;
      }
      if (!st.isDirectory()) {
        // A file where the layer needs a directory: the layer replaces it, as Docker does.
        await rm(host, { force: true });
        await mkdir(host, { mode: 0o755 });
      }
      resolved.push(part);
    }
    const path = join(this.root, ...resolved);
    this.dirCache.set(key, path);
    return path;
  }
}

function paxNumber(pax: unknown, key: string): number | undefined {
  if (pax && typeof pax === 'object' && key in pax) {
    const v = Number((pax as Record<string, string>)[key]);
    if (Number.isFinite(v)) return v;
  }
  return undefined;
}

/** Applies a layer tar (plain or gzip) onto `dir`. */
export async function unpackLayer(input: Readable, dir: string, options: UnpackOptions = {}): Promise<UnpackResult> {
  const asRoot = options.chown ?? process.getuid?.() === 0;
  await mkdir(dir, { recursive: true });
  const rootfs = new RootFs(dir);
  const result: UnpackResult = { entries: 0, skipped: [], diffId: '' as Digest, whiteouts: [] };
  const extract = tar.extract();
  const source = await maybeGunzip(input);
  const hasher = new DigestStream();
  const feeding = pipeline(source, hasher, extract as unknown as NodeJS.WritableStream);
  feeding.catch(() => undefined);
  try {
    for await (const entry of extract) {
      const h = entry.header;
      try {
        await applyEntry(rootfs, h, entry as unknown as Readable, asRoot, options.whiteouts ?? 'apply', result);
      } catch (err) {
        entry.destroy?.();
        if (err instanceof UnsafeLayerError) throw err;
        throw new Error(`layer entry "${h.name}": ${(err as Error).message}`);
      }
      result.entries++;
    }
    await feeding;
  } catch (err) {
    source.destroy();
    await feeding.catch(() => undefined);
    const message = (err as Error).message;
    if (err instanceof UnsafeLayerError) throw err;
    throw new Error(message.startsWith('layer entry') ? message : `bad layer tar: ${message}`);
  }
  result.diffId = hasher.digest();
  // Directory modes and times last, so read-only directories could be filled first.
  for (const d of rootfs.deferredDirs.reverse()) {
    await chmod(d.path, d.mode);
    await utimes(d.path, d.mtime, d.mtime);
  }
  return result;
}

const SMALL_BODY = 1 << 20;

/**
 * Creates a regular file (never through an existing name: O_EXCL). A small body is collected and
 * written, owned, moded and timed through one descriptor with synchronous calls: each of those
 * takes microseconds, while six thread-pool round trips per file cost ~0.5 ms on a busy machine.
 */
async function writeFileEntry(
  body: Readable,
  target: string,
  size: number,
  meta: { asRoot: boolean; uid: number; gid: number; mode: number; mtime: Date },
): Promise<void> {
  if (size > SMALL_BODY) {
    await pipeline(body, createWriteStream(target, { flags: 'wx', mode: 0o600 }));
    if (meta.asRoot) await chown(target, meta.uid, meta.gid);
    await chmod(target, meta.mode);
    await utimes(target, meta.mtime, meta.mtime);
    return;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(chunk);
  const data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  const fd = openSync(target, 'wx', 0o600);
  try {
    for (let off = 0; off < data.length; ) off += writeSync(fd, data, off, data.length - off);
    // chown before chmod: chown clears setuid and setgid.
    if (meta.asRoot) fchownSync(fd, meta.uid, meta.gid);
    fchmodSync(fd, meta.mode);
    futimesSync(fd, meta.mtime, meta.mtime);
  } finally {
    closeSync(fd);
  }
}

async function drain(stream: Readable): Promise<void> {
  for await (const _ of stream) void _;
}

async function applyEntry(rootfs: RootFs, h: TarHeader, body: Readable, asRoot: boolean, whiteouts: 'apply' | 'record', result: UnpackResult): Promise<void> {
  const parts = safeParts(h.name);
  const mtime = h.mtime ?? new Date(0);
  const uid = paxNumber(h.pax, 'uid') ?? h.uid ?? 0;
  const gid = paxNumber(h.pax, 'gid') ?? h.gid ?? 0;
  const mode = (h.mode ?? 0o644) & 0o7777;
  if (parts.length === 0) {
    // The root itself ("./"): take its metadata, never replace it.
    await drain(body);
    if (h.type === 'directory') rootfs.deferredDirs.push({ path: rootfs.root, mode, mtime });
    return;
  }
  const base = parts[parts.length - 1]!;
  const parentParts = parts.slice(0, -1);
  const key = parts.join('/');

  if (base.startsWith(WHITEOUT_PREFIX)) {
    await drain(body);
    if (whiteouts === 'record') {
      const name = base.slice(WHITEOUT_PREFIX.length);
      if (base !== OPAQUE_MARKER && (name === '' || name === '.' || name === '..')) throw new UnsafeLayerError(`layer whiteout "${h.name}" names no file; refusing it`);
      result.whiteouts.push(key);
      return;
    }
    const parent = await rootfs.dir(parentParts);
    if (base === OPAQUE_MARKER) {
      const prefix = parentParts.join('/');
      for (const name of await readdir(parent)) {
        const child = prefix ? `${prefix}/${name}` : name;
        if (!rootfs.written.has(child)) await rm(join(parent, name), { recursive: true, force: true });
      }
    } else {
      const name = base.slice(WHITEOUT_PREFIX.length);
      const victim = [...parentParts, name].join('/');
      if (name === '' || name === '.' || name === '..') throw new UnsafeLayerError(`layer whiteout "${h.name}" names no file; refusing it`);
      if (!rootfs.written.has(victim)) await rm(join(parent, name), { recursive: true, force: true });
    }
    rootfs.invalidate();
    return;
  }

  const parent = await rootfs.dir(parentParts);
  const target = join(parent, base);
  let existing;
  try {
    existing = lstatSync(target, { throwIfNoEntry: false });
  } catch {
    existing = undefined;
  }
  if (existing && !(existing.isDirectory() && h.type === 'directory')) {
    await rm(target, { recursive: true, force: true });
    if (existing.isSymbolicLink() || existing.isDirectory()) rootfs.invalidate();
  }

  switch (h.type) {
    case 'directory':
      if (!existing || !existing.isDirectory()) await mkdir(target, { mode: 0o700 });
      if (asRoot) await chown(target, uid, gid);
      rootfs.deferredDirs.push({ path: target, mode, mtime });
      rootfs.invalidate();
      break;
    case 'file':
    case 'contiguous-file':
      await writeFileEntry(body, target, h.size ?? 0, { asRoot, uid, gid, mode, mtime });
      break;
    case 'symlink':
      await drain(body);
      await symlink(h.linkname ?? '', target);
      if (asRoot) await lchown(target, uid, gid);
      await lutimes(target, mtime, mtime).catch(() => undefined);
      rootfs.invalidate();
      break;
    case 'link': {
      await drain(body);
      let linkParts: string[];
      try {
        linkParts = safeParts(h.linkname ?? '');
      } catch {
        throw new UnsafeLayerError(`layer hard link "${h.name}" points at "${h.linkname}", which climbs out of the root; refusing it`);
      }
      if (linkParts.length === 0) throw new UnsafeLayerError(`layer hard link "${h.name}" points at the root; refusing it`);
      const source = join(await rootfs.dir(linkParts.slice(0, -1)), linkParts[linkParts.length - 1]!);
      let st;
      try {
        st = await lstat(source);
      } catch {
        throw new UnsafeLayerError(`layer hard link "${h.name}" points at "${h.linkname}", which is not in the root; refusing it`);
      }
      if (st.isDirectory()) throw new UnsafeLayerError(`layer hard link "${h.name}" points at directory "${h.linkname}"; refusing it`);
      await link(source, target);
      break;
    }
    case 'character-device':
    case 'block-device':
    case 'fifo': {
      await drain(body);
      const kind = h.type === 'fifo' ? 'p' : h.type === 'character-device' ? 'c' : 'b';
      if (kind !== 'p' && !asRoot) {
        result.skipped.push(`${key}: device files need root`);
        return;
      }
      const args = kind === 'p' ? [target, 'p'] : [target, kind, String(h.devmajor ?? 0), String(h.devminor ?? 0)];
      const run = spawnSync('mknod', ['-m', (mode & 0o777).toString(8), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
      if (run.status !== 0) {
        result.skipped.push(`${key}: mknod failed: ${run.stderr?.toString().trim() || run.error?.message}`);
        return;
      }
      if (asRoot) await chown(target, uid, gid);
      await chmod(target, mode);
      await utimes(target, mtime, mtime);
      break;
    }
    default:
      await drain(body);
      result.skipped.push(`${key}: unsupported entry type ${String(h.type)}`);
      return;
  }
  rootfs.written.add(key);
}
