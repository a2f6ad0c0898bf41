// The store on disk: an OCI image layout (oci-layout, index.json, blobs/sha256/…) that skopeo,
// umoci, buildah and podman read as it is, plus dfc's own records under `.dfc/`, never in blobs.
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fsyncDir, writeFileAtomic } from './atomic.js';
import { DigestStream, assertDigest, digestOf, hexOf, isDigest, type Digest } from './digest.js';
import { pidAlive, withLock } from './lock.js';
import { MediaType, type Descriptor, type Index } from './oci.js';

/** Where the store lives: `$DFC_ROOT`, else `$XDG_DATA_HOME/dfc`, else `~/.local/share/dfc`. */
export function defaultStoreRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DFC_ROOT) return env.DFC_ROOT;
  if (env.XDG_DATA_HOME) return join(env.XDG_DATA_HOME, 'dfc');
  return join(env.HOME || homedir(), '.local', 'share', 'dfc');
}

export interface BlobInfo {
  digest: Digest;
  size: number;
}

/** A blob being streamed in; `commit` checks its digest and moves it into place. */
export interface BlobWriter {
  readonly stream: Writable;
  /** Call after `stream` finished. Throws (and discards the data) when `expected` does not match. */
  commit(expected?: Digest): Promise<BlobInfo>;
  abort(): Promise<void>;
}

/** A temp blob file written through its descriptor by a writer that computes the digest itself. */
export interface BlobFile {
  readonly fd: number;
  /** Call after every write to `fd` finished: fsyncs the file and moves it into place as `digest`. */
  commit(digest: Digest, size: number): Promise<BlobInfo>;
  abort(): Promise<void>;
}

const LAYOUT = JSON.stringify({ imageLayoutVersion: '1.0.0' });

export class Store {
  private session: Promise<string> | undefined;

  private constructor(readonly root: string) {}

  /** Opens the store at `root`, creating an empty layout when the directory is new or empty. */
  static async open(root: string): Promise<Store> {
    const store = new Store(root);
    await store.init();
    return store;
  }

  private async init(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    const layoutPath = join(this.root, 'oci-layout');
    let layout: string | undefined;
    try {
      layout = await readFile(layoutPath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (layout === undefined) {
      // What a concurrent `open` of the same new store may already have made is not foreign.
      const ours = new Set(['.dfc', 'blobs', 'index.json']);
      const entries = (await readdir(this.root)).filter((e) => !ours.has(e) && !e.startsWith('.tmp-'));
      if (entries.length > 0) {
        throw new Error(`${this.root}: not a dfc store (no oci-layout file) and not empty; choose another --root`);
      }
    } else {
      let version: unknown;
      try {
        version = (JSON.parse(layout) as { imageLayoutVersion?: unknown }).imageLayoutVersion;
      } catch {
        version = undefined;
      }
      if (typeof version !== 'string' || !version.startsWith('1.')) {
        throw new Error(`${layoutPath}: unsupported or corrupt OCI layout file`);
      }
    }
    await mkdir(join(this.root, 'blobs', 'sha256'), { recursive: true });
    await mkdir(this.tmpDir, { recursive: true });
    if (layout === undefined) await writeFileAtomic(layoutPath, LAYOUT);
    try {
      await stat(this.indexPath);
    } catch {
      await withLock(this.lockPath, async () => {
        try {
          await stat(this.indexPath);
        } catch {
          await writeFileAtomic(this.indexPath, serializeIndex({ schemaVersion: 2, mediaType: MediaType.index, manifests: [] }));
        }
      });
    }
  }

  get indexPath(): string {
    return join(this.root, 'index.json');
  }

  /** dfc's own records (cache entries, unpacked layers, sessions) live under here. */
  get recordsDir(): string {
    return join(this.root, '.dfc');
  }

  private get tmpDir(): string {
    return join(this.recordsDir, 'tmp');
  }

  private get lockPath(): string {
    return join(this.recordsDir, 'index.lock');
  }

  blobPath(digest: Digest): string {
    return join(this.root, 'blobs', 'sha256', hexOf(assertDigest(digest, 'blob')));
  }

  async hasBlob(digest: Digest): Promise<boolean> {
    try {
      return (await stat(this.blobPath(digest))).isFile();
    } catch {
      return false;
    }
  }

  async blobSize(digest: Digest): Promise<number> {
    return (await stat(this.blobPath(digest))).size;
  }

  /** Starts streaming a new blob into a temp file inside the store. */
  async createBlobWriter(): Promise<BlobWriter> {
    await this.beginSession();
    const tmp = this.blobTempPath();
    const hasher = new DigestStream();
    const file = createWriteStream(tmp, { flags: 'wx', mode: 0o644 });
    const done = pipeline(hasher, file);
    done.catch(() => undefined);
    let settled = false;
    const abort = async (): Promise<void> => {
      settled = true;
      if (!hasher.destroyed) hasher.destroy();
      await done.catch(() => undefined);
      await rm(tmp, { force: true });
    };
    const commit = async (expected?: Digest): Promise<BlobInfo> => {
      if (settled) throw new Error('blob writer already committed or aborted');
      settled = true;
      try {
        await done;
        const digest = hasher.digest();
        if (expected !== undefined && expected !== digest) {
          throw new Error(`blob digest mismatch: expected ${expected}, got ${digest}`);
        }
        const fh = await open(tmp, 'r');
        try {
          await fh.sync();
        } finally {
          await fh.close();
        }
        await this.placeBlob(tmp, digest);
        return { digest, size: hasher.size };
      } finally {
        await rm(tmp, { force: true });
      }
    };
    return { stream: hasher, commit, abort };
  }

  /**
   * A temp blob file for a writer that hashes what it writes itself (the layer writer, off the
   * main thread): `commit` trusts the digest it is given, so only this package calls it.
   */
  async createBlobFile(): Promise<BlobFile> {
    await this.beginSession();
    const tmp = this.blobTempPath();
    const fh = await open(tmp, 'wx', 0o644);
    let settled = false;
    const abort = async (): Promise<void> => {
      if (settled) return;
      settled = true;
      await fh.close().catch(() => undefined);
      await rm(tmp, { force: true });
    };
    const commit = async (digest: Digest, size: number): Promise<BlobInfo> => {
      if (settled) throw new Error('blob file already committed or aborted');
      settled = true;
      try {
        try {
          await fh.sync();
        } finally {
          await fh.close();
        }
        await this.placeBlob(tmp, digest);
        return { digest, size };
      } finally {
        await rm(tmp, { force: true });
      }
    };
    return { fd: fh.fd, commit, abort };
  }

  private blobTempPath(): string {
    return join(this.tmpDir, `blob-${process.pid}-${randomBytes(8).toString('hex')}`);
  }

  private async placeBlob(tmp: string, digest: Digest): Promise<void> {
    const target = this.blobPath(digest);
    const existing = await stat(target).catch(() => undefined);
    if (existing?.isFile() && existing.size === (await stat(tmp)).size) {
      // Same content already there: keep it, and mark it fresh so a concurrent prune spares it.
      const now = new Date();
      await utimes(target, now, now).catch(() => undefined);
      return;
    }
    // New, or a damaged copy (its size is wrong): the checked bytes take its place.
    await rename(tmp, target);
    await fsyncDir(join(this.root, 'blobs', 'sha256'));
  }

  /** Stores `data` (bytes or a stream) as a blob; checks it against `expected` when given. */
  async putBlob(data: Uint8Array | string | Readable, expected?: Digest): Promise<BlobInfo> {
    if (typeof data === 'string' || data instanceof Uint8Array) {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      const digest = digestOf(bytes);
      if (expected !== undefined && expected !== digest) {
        throw new Error(`blob digest mismatch: expected ${expected}, got ${digest}`);
      }
      if ((await stat(this.blobPath(digest)).catch(() => undefined))?.size === bytes.length) {
        await this.beginSession();
        const now = new Date();
        await utimes(this.blobPath(digest), now, now).catch(() => undefined);
        return { digest, size: bytes.length };
      }
      data = Readable.from([bytes]);
    }
    const writer = await this.createBlobWriter();
    try {
      await pipeline(data, writer.stream);
    } catch (err) {
      await writer.abort();
      throw err;
    }
    return writer.commit(expected);
  }

  /** Stores a JSON document (canonical: no whitespace, key order as given) and describes it. */
  async putJson(value: unknown, mediaType: string): Promise<Descriptor> {
    const bytes = Buffer.from(JSON.stringify(value));
    const { digest, size } = await this.putBlob(bytes);
    return { mediaType, digest, size };
  }

  /** Reads a whole blob and checks its digest. */
  async readBlob(digest: Digest): Promise<Buffer> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.blobPath(digest));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${this.blobPath(digest)}: blob ${digest} is missing from the store`);
      throw err;
    }
    if (digestOf(bytes) !== digest) throw new Error(`${this.blobPath(digest)}: blob is corrupt (content does not match ${digest}); run dfc store verify`);
    return bytes;
  }

  async readJson<T>(digest: Digest): Promise<T> {
    const bytes = await this.readBlob(digest);
    try {
      return JSON.parse(bytes.toString('utf8')) as T;
    } catch {
      throw new Error(`${this.blobPath(digest)}: blob is not valid JSON`);
    }
  }

  /** A stream of a blob's bytes (not re-hashed; `verifyStore` does that). */
  openBlob(digest: Digest): Readable {
    return createReadStream(this.blobPath(digest));
  }

  async readIndex(): Promise<Index> {
    let text: string;
    try {
      text = await readFile(this.indexPath, 'utf8');
    } catch (err) {
      throw new Error(`${this.indexPath}: cannot read the store index: ${(err as Error).message}`);
    }
    let index: Index;
    try {
      index = JSON.parse(text) as Index;
    } catch {
      throw new Error(`${this.indexPath}: the store index is not valid JSON`);
    }
    if (index.schemaVersion !== 2 || !Array.isArray(index.manifests)) {
      throw new Error(`${this.indexPath}: not an OCI image index`);
    }
    for (const m of index.manifests) assertDigest(m.digest, this.indexPath);
    return index;
  }

  /**
   * Changes the index under the store lock: `change` gets the current index and returns the new
   * one (or mutates it). Every blob it names must exist, so an index never points at nothing.
   */
  async updateIndex(change: (index: Index) => Index | void | Promise<Index | void>): Promise<Index> {
    return withLock(this.lockPath, async () => {
      const current = await this.readIndex();
      const before = serializeIndex(current);
      const next = (await change(current)) ?? current;
      const after = serializeIndex(next);
      // Tagging an image with the tags it has (a no-op rebuild) writes nothing, and syncs nothing.
      if (after === before) return next;
      for (const m of next.manifests) {
        if (!(await this.hasBlob(m.digest))) throw new Error(`${this.blobPath(m.digest)}: blob ${m.digest} is missing; not adding it to the index`);
      }
      await writeFileAtomic(this.indexPath, after);
      return next;
    });
  }

  /** Runs `fn` holding the index lock (prune uses it to keep writers out while it deletes). */
  async withIndexLock<T>(fn: () => Promise<T>): Promise<T> {
    return withLock(this.lockPath, fn);
  }

  // A session marks this process as a writer, so a concurrent prune spares blobs it just wrote.
  private beginSession(): Promise<string> {
    this.session ??= (async () => {
      const dir = join(this.recordsDir, 'sessions');
      await mkdir(dir, { recursive: true });
      const path = join(dir, `${process.pid}-${randomBytes(4).toString('hex')}`);
      await writeFile(path, `${process.pid}\n`);
      return path;
    })();
    return this.session;
  }

  /** Ends this process's writer session. */
  async close(): Promise<void> {
    if (this.session) {
      const path = await this.session;
      this.session = undefined;
      await rm(path, { force: true });
    }
  }

  /** The start of the oldest live writer session other than ours, in ms since the epoch. */
  async oldestOtherSession(): Promise<number | undefined> {
    const dir = join(this.recordsDir, 'sessions');
    const own = this.session ? await this.session : undefined;
    let oldest: number | undefined;
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const path = join(dir, name);
      if (path === own) continue;
      const pid = Number.parseInt(name, 10);
      if (!pidAlive(pid)) {
        await rm(path, { force: true });
        continue;
      }
      const st = await stat(path).catch(() => undefined);
      if (st && (oldest === undefined || st.mtimeMs < oldest)) oldest = st.mtimeMs;
    }
    return oldest;
  }

  /** Every blob digest on disk. */
  async listBlobs(): Promise<Digest[]> {
    const names = await readdir(join(this.root, 'blobs', 'sha256'));
    return names.map((n) => `sha256:${n}`).filter(isDigest).sort();
  }

  /** Removes leftovers of writers that died (temp files, scratch trees under `.dfc/tmp`); returns bytes freed. */
  async removeStaleTemps(): Promise<number> {
    let freed = 0;
    const candidates = [
      ...(await readdir(this.tmpDir).catch(() => [] as string[])).map((n) => join(this.tmpDir, n)),
      ...(await readdir(this.root)).filter((n) => n.startsWith('.tmp-')).map((n) => join(this.root, n)),
    ];
    for (const path of candidates) {
      // Temp names end in -PID-SUFFIX: a live process's are left alone, and a name without a
      // pid only once it is a day old.
      const st = await stat(path).catch(() => undefined);
      if (!st) continue;
      const pid = Number(/-(\d+)-[0-9A-Za-z]+$/.exec(path)?.[1]);
      if (Number.isInteger(pid) ? pidAlive(pid) : Date.now() - st.mtimeMs < 86_400_000) continue;
      freed += st.isDirectory() ? 0 : st.size;
      await rm(path, { force: true, recursive: true });
    }
    return freed;
  }
}

function serializeIndex(index: Index): string {
  return JSON.stringify(index, null, 2) + '\n';
}
