// The deterministic layer writer: entries in layer order, normalized headers, and in one pass the
// diff_id (sha256 of the tar) and the digest of the compressed blob, in constant memory.
import { close as closeCb, closeSync, open as openCb, openSync, read as readCb, readSync } from 'node:fs';
import { Readable, Transform, type TransformCallback } from 'node:stream';
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
  // Filled in place: one object per entry, as many entries as files.
  switch (entry.kind) {
    case 'dir':
      header.name = `${name}/`;
      header.type = 'directory';
      header.mode = entry.mode ?? 0o755;
      return header;
    case 'file': {
      const c = entry.content;
      header.type = 'file';
      header.mode = entry.mode ?? 0o644;
      header.size = typeof c === 'string' ? Buffer.byteLength(c) : c instanceof Uint8Array ? c.length : c.size;
      return header;
    }
    case 'symlink':
      header.type = 'symlink';
      header.mode = 0o777;
      header.linkname = entry.target;
      return header;
    case 'hardlink':
      header.type = 'link';
      header.mode = 0o644;
      header.linkname = cleanLayerPath(entry.target);
      return header;
    case 'char':
    case 'block':
      header.type = entry.kind === 'char' ? 'character-device' : 'block-device';
      header.mode = entry.mode ?? 0o600;
      header.devmajor = entry.major;
      header.devminor = entry.minor;
      return header;
    case 'fifo':
      header.type = 'fifo';
      header.mode = entry.mode ?? 0o644;
      return header;
    case 'whiteout':
    case 'opaque':
      header.type = 'file';
      header.mode = 0o644;
      header.uid = 0;
      header.gid = 0;
      return header;
  }
}

/** What the layer holds so far: a hard link's header repeats its file's mode and owner, as GNU tar's does. */
type Written = Map<string, { mode: number; uid: number; gid: number }>;

/** Where the packer puts the tar's bytes. */
interface TarOut {
  /** Bytes the packer may reuse once the call returns. */
  copy(bytes: Uint8Array): void;
  /** A buffer from chunkBuffer(), handed over. */
  move(chunk: Buffer): void;
  /** undefined while the consumer has room, else a promise of room. */
  room(): Promise<void> | undefined;
}

/** tar-stream's pack stream, whose header encoding (ustar, and PAX when a field does not fit) is the one the layer uses. */
interface HeaderEncoder {
  _encode(this: HeaderEncoder, header: TarHeader): void;
  _encodePax(this: HeaderEncoder, header: TarHeader): void;
  push(bytes: Buffer): void;
}
const tarStreamPack = Object.getPrototypeOf(tar.pack()) as HeaderEncoder;

/**
 * Encodes entry headers into `out` (with their PAX records, padded) with tar-stream's own
 * encoder, without its stream per entry: those streams cost more than the rest of packing small files.
 */
function headerEncoder(out: TarOut): (header: TarHeader) => void {
  const encoder: HeaderEncoder = { _encode: tarStreamPack._encode, _encodePax: tarStreamPack._encodePax, push: (bytes) => out.copy(bytes) };
  return (header) => {
    // The defaults tar-stream's pack.entry() fills in (the walk gives mode 0 for a chmod 000 file).
    if (!header.size || header.type === 'symlink') header.size = 0;
    if (!header.mode) header.mode = header.type === 'directory' ? 0o755 : 0o644;
    encoder._encode(header);
  };
}

const ZEROS = new Uint8Array(1024);

function padTo512(size: number, out: TarOut): void {
  const tail = size & 511;
  if (tail !== 0) out.copy(ZEROS.subarray(0, 512 - tail));
}

/** What packInto keeps across entries. */
interface PackState {
  out: TarOut;
  mtime: Date;
  written: Written;
  encodeHeader: (header: TarHeader) => void;
  /** A SMALL_FILE buffer that small files are read into, one after the other. */
  scratch: () => Buffer;
}

/** Packs one entry: synchronously, except a large host file (its promise is returned). */
function writeEntry(entry: LayerEntry, name: string, state: PackState): Promise<void> | undefined {
  const { out, mtime, written } = state;
  if (name === '' && entry.kind === 'dir') return; // the root itself is never an entry
  if (name === '') throw new Error(`layer entry "${entry.path}" has an empty path`);
  let header: TarHeader;
  if (entry.kind === 'hardlink') {
    const target = written.get(cleanLayerPath(entry.target));
    if (target === undefined) throw new Error(`hard link "${name}" points at "${entry.target}", which is not earlier in the layer`);
    header = { ...headerOf({ ...entry, uid: target.uid, gid: target.gid }, name, mtime), mode: target.mode };
  } else {
    header = headerOf(entry, name, mtime);
  }
  state.encodeHeader(header);
  if (entry.kind !== 'whiteout' && entry.kind !== 'opaque') written.set(name, { mode: header.mode ?? 0, uid: header.uid ?? 0, gid: header.gid ?? 0 });
  if (entry.kind !== 'file') return;
  const c = entry.content;
  const size = header.size ?? 0;
  if (typeof c === 'string' || c instanceof Uint8Array) {
    out.copy(typeof c === 'string' ? Buffer.from(c) : c);
  } else if (size <= SMALL_FILE) {
    out.copy(readSmallFile(c.hostPath, size, state.scratch()));
  } else {
    return copyHostFile(c.hostPath, size, out).then(() => padTo512(size, out));
  }
  padTo512(size, out);
  return undefined;
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

/** Moves the first `size` bytes of a host file to `out`, the next chunk read while this one is packed. */
async function copyHostFile(hostPath: string, size: number, out: TarOut): Promise<void> {
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
      out.move(chunk);
      await out.room();
    }
  } finally {
    // A read still in flight must finish before its descriptor is closed and reused.
    await next?.catch(() => undefined);
    await new Promise<void>((resolve) => closeCb(fd, () => resolve()));
  }
}

const SMALL_FILE = 1 << 20;

/**
 * Reads a small host file whole, synchronously, into `buf` (reused for the next file): from the
 * page cache that takes microseconds, less than the thread-pool round trips of asynchronous calls.
 */
function readSmallFile(hostPath: string, size: number, buf: Buffer): Buffer {
  let fd: number;
  try {
    fd = openSync(hostPath, 'r');
  } catch (err) {
    throw new Error(`${hostPath}: cannot read: ${(err as Error).message}`);
  }
  try {
    for (let got = 0; got < size; ) {
      let n: number;
      try {
        n = readSync(fd, buf, got, size - got, got);
      } catch (err) {
        throw new Error(`${hostPath}: cannot read: ${(err as Error).message}`);
      }
      if (n === 0) throw new Error(`${hostPath}: file shrank while it was packed (${got} of ${size} bytes)`);
      got += n;
    }
    return buf.subarray(0, size);
  } finally {
    closeSync(fd);
  }
}

/** The layer mtime as a Date, checked. */
function layerMtime(options: PackOptions): Date {
  const seconds = options.mtime ?? defaultLayerMtime();
  // tar-stream writes mtime through a 32-bit integer.
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 0x7fffffff) throw new Error(`layer mtime ${seconds} (SOURCE_DATE_EPOCH?) must be a whole number of seconds from 1970 to 2038`);
  return new Date(seconds * 1000);
}

/**
 * Packs the entries into `out`. Everything but large host files is packed synchronously, an
 * entry at a time as the source yields it; the only waits are the source's and the consumer's.
 */
async function packInto(out: TarOut, entries: readonly LayerEntry[] | AsyncIterable<LayerEntry>, mtime: Date): Promise<void> {
  const source: AsyncIterable<LayerEntry> | LayerEntry[] = Array.isArray(entries) ? sortLayerEntries(entries) : (entries as AsyncIterable<LayerEntry>);
  let buffer: Buffer | undefined;
  const state: PackState = { out, mtime, written: new Map(), encodeHeader: headerEncoder(out), scratch: () => (buffer ??= Buffer.allocUnsafe(SMALL_FILE)) };
  let previous: string | undefined;
  for await (const entry of source) {
    const name = tarNameOf(entry);
    if (previous !== undefined && compareLayerPaths(previous, name) >= 0) {
      throw new Error(`layer entries out of order: "${name}" after "${previous}"`);
    }
    previous = name;
    const writing = writeEntry(entry, name, state);
    if (writing) await writing;
    const room = out.room();
    if (room) await room;
  }
  out.copy(ZEROS); // end of archive: two zero blocks
}

/** The tar as a Node stream: small writes joined into 256 KiB chunks, large file chunks passed on. */
class TarReadable extends Readable implements TarOut {
  private batch = Buffer.allocUnsafe(TAR_BATCH);
  private length = 0;
  private full = false;
  private wake: ((err?: Error) => void) | undefined;
  private started = false;

  /** `pack` starts at the first read, as a consumer is there to hear of its failure. */
  constructor(private readonly pack: (out: TarOut) => Promise<void>) {
    super({ highWaterMark: 256 << 10 });
  }

  copy(bytes: Uint8Array): void {
    for (let off = 0; off < bytes.length; ) {
      const n = Math.min(bytes.length - off, TAR_BATCH - this.length);
      this.batch.set(off === 0 && n === bytes.length ? bytes : bytes.subarray(off, off + n), this.length);
      this.length += n;
      off += n;
      if (this.length === TAR_BATCH) this.flush();
    }
  }

  move(chunk: Buffer): void {
    this.flush();
    if (!this.push(chunk)) this.full = true;
  }

  room(): Promise<void> | undefined {
    if (this.destroyed) return Promise.reject(new Error('layer stream destroyed'));
    if (!this.full) return undefined;
    return new Promise((resolve, reject) => (this.wake = (err) => (err ? reject(err) : resolve())));
  }

  override _read(): void {
    this.full = false;
    if (!this.started) {
      this.started = true;
      this.pack(this).then(
        () => {
          this.flush();
          this.push(null);
        },
        (err: Error) => this.destroy(err),
      );
    }
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.(err ?? new Error('layer stream destroyed'));
    cb(err);
  }

  private flush(): void {
    if (this.length === 0) return;
    const chunk = this.batch.subarray(0, this.length);
    this.batch = Buffer.allocUnsafe(TAR_BATCH);
    this.length = 0;
    if (!this.push(chunk)) this.full = true;
  }
}

const TAR_BATCH = 256 << 10;

/**
 * The layer tar as a stream. `entries` must already be in layer order when it is an async
 * iterable (a directory walk is); an array is sorted here.
 */
export function packLayer(entries: readonly LayerEntry[] | AsyncIterable<LayerEntry>, options: PackOptions = {}): Readable {
  const mtime = layerMtime(options);
  return new TarReadable((out) => packInto(out, entries, mtime));
}

/**
 * Packs the layer and hashes the tar on the worker thread, with no stream in between; with
 * `appendFd`, the worker also writes the tar there.
 */
async function packAndHash(
  entries: readonly LayerEntry[] | AsyncIterable<LayerEntry>,
  options: PackOptions,
  appendFd?: number,
): Promise<{ digest: Digest; size: number }> {
  const mtime = layerMtime(options);
  const hash = new OffThreadSha256(appendFd);
  try {
    const out: TarOut = { copy: (bytes) => hash.update(bytes), move: (chunk) => hash.update(chunk), room: () => hash.room() };
    await packInto(out, entries, mtime);
    return await hash.digest();
  } catch (err) {
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
