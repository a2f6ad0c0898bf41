// The deterministic layer writer: entries in layer order, normalized headers, and in one pass the
// diff_id (sha256 of the tar) and the digest of the compressed blob, in constant memory.
import { once } from 'node:events';
import { close as closeCb, closeSync, open as openCb, openSync, read as readCb, readSync } from 'node:fs';
import { Readable, Transform, type TransformCallback, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, constants as zlibConstants } from 'node:zlib';
import tar from 'tar-stream';
import { DigestStream, type Digest } from './digest.js';
import { cleanLayerPath, compareLayerPaths, tarNameOf, type LayerEntry } from './layer-entry.js';
import { MediaType, type Descriptor } from './oci.js';
import { CHUNK_BYTES, OffThreadSha256, chunkBuffer } from './sha256-worker.js';
import type { Store } from './store.js';

type TarHeader = Partial<tar.Header> & { name: string };

export interface PackOptions {
  /** mtime of every entry, in seconds; default $SOURCE_DATE_EPOCH, else 0. */
  mtime?: number;
}

export interface WriteLayerOptions extends PackOptions {
  /** Default 'gzip'. */
  compression?: 'gzip' | 'none';
  /** gzip level, default 6. */
  level?: number;
}

export interface LayerInfo {
  /** sha256 of the uncompressed tar: the layer's identity in the image config. */
  diffId: Digest;
  /** The blob as stored: digest, size and media type, ready for a manifest. */
  descriptor: Descriptor;
  /** Bytes of the uncompressed tar. */
  tarSize: number;
}

/** The layer mtime: $SOURCE_DATE_EPOCH when it is a whole number of seconds, else 0. */
export function defaultLayerMtime(env: NodeJS.ProcessEnv = process.env): number {
  const value = env.SOURCE_DATE_EPOCH;
  if (value !== undefined && /^\d+$/.test(value)) return Number(value);
  return 0;
}

/** Sorts entries into layer order; two entries with one tar name are an error. */
export function sortLayerEntries(entries: readonly LayerEntry[]): LayerEntry[] {
  const keyed = entries.map((entry) => ({ entry, name: tarNameOf(entry) }));
  keyed.sort((a, b) => compareLayerPaths(a.name, b.name));
  for (let i = 1; i < keyed.length; i++) {
    if (keyed[i]!.name === keyed[i - 1]!.name) throw new Error(`layer has two entries for "${keyed[i]!.name || '/'}"`);
  }
  return keyed.map((k) => k.entry);
}

const MAX_OCTAL_ID = 0o7777777;

function headerOf(entry: LayerEntry, name: string, mtime: Date): TarHeader {
  const uid = entry.uid ?? 0;
  const gid = entry.gid ?? 0;
  const header: TarHeader = { name, mtime, uid, gid, uname: '', gname: '', mode: 0, size: 0 };
  // PAX only when a field does not fit the ustar header (tar-stream adds it for long names itself).
  if (uid > MAX_OCTAL_ID || gid > MAX_OCTAL_ID) {
    header.pax = { uid: String(uid), gid: String(gid) };
    header.uid = Math.min(uid, MAX_OCTAL_ID);
    header.gid = Math.min(gid, MAX_OCTAL_ID);
  }
  switch (entry.kind) {
    case 'dir':
      return { ...header, name: `${name}/`, type: 'directory', mode: entry.mode ?? 0o755 };
    case 'file': {
      const c = entry.content;
      const size = typeof c === 'string' ? Buffer.byteLength(c) : c instanceof Uint8Array ? c.length : c.size;
      return { ...header, type: 'file', mode: entry.mode ?? 0o644, size };
    }
    case 'symlink':
      return { ...header, type: 'symlink', mode: 0o777, linkname: entry.target };
    case 'hardlink':
      return { ...header, type: 'link', mode: 0o644, linkname: cleanLayerPath(entry.target) };
    case 'char':
    case 'block':
      return { ...header, type: entry.kind === 'char' ? 'character-device' : 'block-device', mode: entry.mode ?? 0o600, devmajor: entry.major, devminor: entry.minor };
    case 'fifo':
      return { ...header, type: 'fifo', mode: entry.mode ?? 0o644 };
    case 'whiteout':
    case 'opaque':
      return { ...header, type: 'file', mode: 0o644, uid: 0, gid: 0 };
  }
}

function entryFinished(pack: tar.Pack, header: TarHeader): { sink: Writable; done: Promise<void> } {
  let sink!: Writable;
  const done = new Promise<void>((resolve, reject) => {
    sink = pack.entry(header, (err) => (err ? reject(err) : resolve())) as unknown as Writable;
  });
  // A failure reaches the caller through `done` and the throw beside each destroy().
  sink.on('error', () => undefined);
  done.catch(() => undefined);
  return { sink, done };
}

/** What the layer holds so far: a hard link's header repeats its file's mode and owner, as GNU tar's does. */
type Written = Map<string, { mode: number; uid: number; gid: number }>;

async function writeEntry(pack: tar.Pack, entry: LayerEntry, name: string, mtime: Date, written: Written): Promise<void> {
  if (name === '' && entry.kind === 'dir') return; // the root itself is never an entry
  if (name === '') throw new Error(`layer entry "${entry.path}" has an empty path`);
  if (entry.kind === 'hardlink' && !written.has(cleanLayerPath(entry.target))) {
    throw new Error(`hard link "${name}" points at "${entry.target}", which is not earlier in the layer`);
  }
  let header: TarHeader;
  if (entry.kind === 'hardlink') {
    const target = written.get(cleanLayerPath(entry.target))!;
    header = { ...headerOf({ ...entry, uid: target.uid, gid: target.gid }, name, mtime), mode: target.mode };
  } else {
    header = headerOf(entry, name, mtime);
  }
  if (entry.kind === 'file') {
    const c = entry.content;
    if (typeof c === 'string' || c instanceof Uint8Array) {
      const { sink, done } = entryFinished(pack, header);
      sink.end(typeof c === 'string' ? Buffer.from(c) : c);
      await done;
    } else {
      const { sink, done } = entryFinished(pack, header);
      try {
        await copyHostFile(c.hostPath, c.size, sink);
      } catch (err) {
        sink.destroy(err as Error);
        throw err;
      }
      sink.end();
      await done;
    }
  } else {
    const { sink, done } = entryFinished(pack, header);
    sink.end();
    await done;
  }
  if (entry.kind !== 'whiteout' && entry.kind !== 'opaque') written.set(name, { mode: header.mode ?? 0, uid: header.uid ?? 0, gid: header.gid ?? 0 });
}

function openForRead(hostPath: string): Promise<number> {
  return new Promise((resolve, reject) =>
    openCb(hostPath, 'r', (err, fd) => (err ? reject(new Error(`${hostPath}: cannot read: ${err.message}`)) : resolve(fd))),
  );
}

/** Reads `want` bytes at `position` into a fresh chunk buffer (its memory may move to the hash worker). */
function readChunk(hostPath: string, fd: number, position: number, want: number): Promise<Buffer> {
  const buf = chunkBuffer();
  return new Promise((resolve, reject) =>
    readCb(fd, buf, 0, want, position, (err, n) => (err ? reject(new Error(`${hostPath}: cannot read: ${err.message}`)) : resolve(buf.subarray(0, n)))),
  );
}

/** Streams the first `size` bytes of a host file into `sink`, the next chunk read while this one is packed. */
async function copyHostFile(hostPath: string, size: number, sink: Writable): Promise<void> {
  if (size === 0) return;
  const fd = await openForRead(hostPath);
  let next: Promise<Buffer> | undefined;
  try {
    let got = 0;
    let reading = readChunk(hostPath, fd, 0, Math.min(size, CHUNK_BYTES));
    next = reading;
    while (got < size) {
      const chunk = await reading;
      next = undefined;
      if (chunk.length === 0) throw new Error(`${hostPath}: file shrank while it was packed (${got} of ${size} bytes)`);
      got += chunk.length;
      if (got < size) next = reading = readChunk(hostPath, fd, got, Math.min(size - got, CHUNK_BYTES));
      if (!sink.write(chunk)) await once(sink, 'drain');
    }
  } finally {
    // A read still in flight must finish before its descriptor is closed and reused.
    await next?.catch(() => undefined);
    await new Promise<void>((resolve) => closeCb(fd, () => resolve()));
  }
}

const SMALL_FILE = 1 << 20;
const PREFETCH_BYTES = 8 << 20;
const PREFETCH_ENTRIES = 256;

interface Pending {
  entry: LayerEntry;
  /** The bytes of a small host file, read ahead of the packer. */
  data?: Promise<Buffer>;
  bytes: number;
}

/**
 * Reads a small host file whole, synchronously: from the page cache that takes microseconds,
 * less than the thread-pool round trips of an asynchronous open, read and close.
 */
function readSmallFile(hostPath: string, size: number): Promise<Buffer> {
  let fd: number;
  try {
    fd = openSync(hostPath, 'r');
  } catch (err) {
    return Promise.reject(new Error(`${hostPath}: cannot read: ${(err as Error).message}`));
  }
  try {
    const buf = Buffer.allocUnsafe(size);
    for (let got = 0; got < size; ) {
      let n: number;
      try {
        n = readSync(fd, buf, got, size - got, got);
      } catch (err) {
        return Promise.reject(new Error(`${hostPath}: cannot read: ${(err as Error).message}`));
      }
      if (n === 0) return Promise.reject(new Error(`${hostPath}: file shrank while it was packed (${got} of ${size} bytes)`));
      got += n;
    }
    return Promise.resolve(buf);
  } finally {
    closeSync(fd);
  }
}

/**
 * Runs the entry source ahead of the packer and reads small files as they come, so the walk's
 * waits (directory listings) overlap with packing. Memory stays bounded by the window.
 */
async function* readAhead(source: AsyncIterable<LayerEntry> | LayerEntry[]): AsyncGenerator<Pending> {
  const queue: Pending[] = [];
  let queuedBytes = 0;
  let finished = false;
  let failure: unknown;
  let wakeConsumer: (() => void) | undefined;
  let wakeProducer: (() => void) | undefined;
  let stopped = false;
  const pump = (async () => {
    try {
      for await (const entry of source) {
        let item: Pending = { entry, bytes: 0 };
        if (entry.kind === 'file' && typeof entry.content === 'object' && !(entry.content instanceof Uint8Array) && entry.content.size <= SMALL_FILE) {
          const data = readSmallFile(entry.content.hostPath, entry.content.size);
          data.catch(() => undefined);
          item = { ...item, data, bytes: entry.content.size };
        }
        queue.push(item);
        queuedBytes += item.bytes;
        wakeConsumer?.();
        while (!stopped && (queue.length >= PREFETCH_ENTRIES || queuedBytes >= PREFETCH_BYTES)) {
          await new Promise<void>((r) => (wakeProducer = r));
        }
        // Leaving the loop returns the source, so its own clean-up runs.
        if (stopped) break;
      }
    } catch (err) {
      failure = err;
    } finally {
      finished = true;
      wakeConsumer?.();
    }
  })();
  try {
    for (;;) {
      while (queue.length === 0 && !finished) await new Promise<void>((r) => (wakeConsumer = r));
      const head = queue.shift();
      if (head === undefined) {
        await pump;
        if (failure !== undefined) throw failure;
        return;
      }
      queuedBytes -= head.bytes;
      wakeProducer?.();
      yield head;
    }
  } finally {
    // The packer stopped early (an error): stop the source too, without waiting on it.
    stopped = true;
    wakeProducer?.();
  }
}

/** Starts packing: tar-stream's pack stream, fed entry by entry as it is read. */
function startPack(entries: readonly LayerEntry[] | AsyncIterable<LayerEntry>, options: PackOptions): tar.Pack {
  const seconds = options.mtime ?? defaultLayerMtime();
  // tar-stream writes mtime through a 32-bit integer.
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 0x7fffffff) throw new Error(`layer mtime ${seconds} (SOURCE_DATE_EPOCH?) must be a whole number of seconds from 1970 to 2038`);
  const mtime = new Date(seconds * 1000);
  const pack = tar.pack();
  const source: AsyncIterable<LayerEntry> | LayerEntry[] = Array.isArray(entries) ? sortLayerEntries(entries) : (entries as AsyncIterable<LayerEntry>);
  const produce = async (): Promise<void> => {
    const written: Written = new Map();
    let previous: string | undefined;
    for await (const { entry, data } of readAhead(source)) {
      const name = tarNameOf(entry);
      if (previous !== undefined && compareLayerPaths(previous, name) >= 0) {
        throw new Error(`layer entries out of order: "${name}" after "${previous}"`);
      }
      previous = name;
      await writeEntry(pack, data && entry.kind === 'file' ? { ...entry, content: await data } : entry, name, mtime, written);
    }
    pack.finalize();
  };
  produce().catch((err: Error) => pack.destroy(err));
  return pack;
}

/**
 * The layer tar as a stream. `entries` must already be in layer order when it is an async
 * iterable (a directory walk is); an array is sorted here.
 */
export function packLayer(entries: readonly LayerEntry[] | AsyncIterable<LayerEntry>, options: PackOptions = {}): Readable {
  // tar-stream's streams are streamx streams; wrap as a Node stream through async iteration.
  return Readable.from(startPack(entries, options) as AsyncIterable<Buffer>, { objectMode: false, highWaterMark: 256 << 10 });
}

/**
 * Packs the layer and hashes the tar on the worker thread, straight from tar-stream, with no
 * Node stream in between; with `appendFd`, the worker also writes the tar there.
 */
async function packAndHash(
  entries: readonly LayerEntry[] | AsyncIterable<LayerEntry>,
  options: PackOptions,
  appendFd?: number,
): Promise<{ digest: Digest; size: number }> {
  const pack = startPack(entries, options);
  const hash = new OffThreadSha256(appendFd);
  try {
    for await (const chunk of pack as AsyncIterable<Buffer>) await hash.update(chunk);
    return await hash.digest();
  } catch (err) {
    pack.destroy(err as Error);
    await hash.abort();
    throw err;
  }
}

/** The diff_id a layer of these entries would have, and its tar size, without storing anything. */
export async function layerDiffId(
  entries: readonly LayerEntry[] | AsyncIterable<LayerEntry>,
  options: PackOptions = {},
): Promise<{ diffId: Digest; tarSize: number }> {
  const { digest, size } = await packAndHash(entries, options);
  return { diffId: digest, tarSize: size };
}

/**
 * Joins the many small writes a tar is made of (512-byte headers, small files) into larger
 * chunks: each chunk costs zlib a trip to the thread pool and back, and with small chunks those
 * trips, not compression, set the pace, and parallel layers stop using the cores.
 */
class Coalesce extends Transform {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly target = 256 << 10) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (chunk.length >= this.target / 4) {
      this.flushPending();
      this.push(chunk);
    } else {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (this.pendingBytes >= this.target) this.flushPending();
    }
    cb();
  }

  override _flush(cb: TransformCallback): void {
    this.flushPending();
    cb();
  }

  private flushPending(): void {
    if (this.pendingBytes === 0) return;
    this.push(this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes));
    this.pending = [];
    this.pendingBytes = 0;
  }
}

/** Packs entries into a layer blob in the store: diff_id and blob digest in one pass. */
export async function writeLayer(
  store: Store,
  entries: readonly LayerEntry[] | AsyncIterable<LayerEntry>,
  options: WriteLayerOptions = {},
): Promise<LayerInfo> {
  if (options.compression === 'none') {
    // The blob is the tar: the worker hashes it and writes it, the main thread only packs.
    const file = await store.createBlobFile();
    try {
      const { digest, size } = await packAndHash(entries, options, file.fd);
      await file.commit(digest, size);
      return { diffId: digest, descriptor: { mediaType: MediaType.layer, digest, size }, tarSize: size };
    } catch (err) {
      await file.abort();
      throw err;
    }
  }
  return writeLayerFromTar(store, packLayer(entries, options), options);
}

/** Stores an already-made layer tar stream: hashes it (diff_id) and compresses it on the way in. */
export async function writeLayerFromTar(store: Store, tarStream: Readable, options: WriteLayerOptions = {}): Promise<LayerInfo> {
  const compression = options.compression ?? 'gzip';
  const writer = await store.createBlobWriter();
  const diff = compression === 'gzip' ? new DigestStream() : undefined;
  try {
    if (diff) {
      const gzip = createGzip({ level: options.level ?? 6, chunkSize: 1 << 20, strategy: zlibConstants.Z_DEFAULT_STRATEGY });
      await pipeline(tarStream, new Coalesce(), diff, gzip, writer.stream);
    } else {
      await pipeline(tarStream, writer.stream);
    }
  } catch (err) {
    await writer.abort();
    throw err;
  }
  const blob = await writer.commit();
  if (!diff) {
    // Uncompressed: the blob is the tar, hashed once.
    return { diffId: blob.digest, descriptor: { mediaType: MediaType.layer, digest: blob.digest, size: blob.size }, tarSize: blob.size };
  }
  return { diffId: diff.digest(), descriptor: { mediaType: MediaType.layerGzip, digest: blob.digest, size: blob.size }, tarSize: diff.size };
}
