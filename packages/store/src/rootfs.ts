// Root file systems in and out: `import` a rootfs tar as a one-layer image, export an image's
// merged tree as a directory or a tar.
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import tar from 'tar-stream';
import { resolveImage, putImage, type ImageRecord } from './image.js';
import { defaultLayerMtime, packLayer, writeLayerFromTar, type PackOptions } from './layer-writer.js';
import { hostPlatform, type ContainerConfig, type ImageConfig } from './oci.js';
import type { Store } from './store.js';
import { maybeGunzip, unpackLayer } from './unpack.js';
import { entriesFromDir } from './walk.js';

/** Passes a tar through unchanged while parsing it, so a file that is not a tar is refused. */
class TarCheck extends Transform {
  private readonly extract = tar.extract();
  private failure: Error | undefined;
  entries = 0;

  constructor() {
    super();
    this.extract.on('entry', (_h, stream, next) => {
      this.entries++;
      stream.on('end', () => next());
      stream.resume();
    });
    this.extract.on('error', (err: Error) => (this.failure = err));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.failure) return cb(this.failure);
    if (this.extract.write(chunk)) cb(this.failure ?? null, chunk);
    else this.extract.once('drain', () => cb(this.failure ?? null, chunk));
  }

  override _flush(cb: TransformCallback): void {
    if (this.failure) return cb(this.failure);
    this.extract.once('finish', () => cb(this.failure ?? null));
    this.extract.once('error', (err: Error) => cb(err));
    (this.extract as unknown as { end(): void }).end();
  }
}

export interface ImportOptions {
  tags?: string[];
  /** Container settings for the config (like `docker import --change`). */
  config?: ContainerConfig;
  /** `created` of the image, ISO 8601; default from $SOURCE_DATE_EPOCH, else now. */
  created?: string;
  /** History comment, e.g. where the tar came from. */
  comment?: string;
}

/** Imports a rootfs tar (plain or gzip) as a one-layer image, like `docker import`. */
export async function importRootfs(store: Store, input: Readable, options: ImportOptions = {}): Promise<ImageRecord> {
  const check = new TarCheck();
  const source = await maybeGunzip(input);
  // pipe() forwards no errors: pass the source's on, and keep late ones from going unhandled.
  source.on('error', (err) => check.destroy(err));
  check.on('error', () => undefined);
  let layer;
  try {
    layer = await writeLayerFromTar(store, source.pipe(check));
  } catch (err) {
    throw new Error(`not a tar archive: ${(err as Error).message}`);
  }
  const created = options.created ?? (process.env.SOURCE_DATE_EPOCH ? new Date(defaultLayerMtime() * 1000).toISOString() : new Date().toISOString());
  const platform = hostPlatform();
  const config: Omit<ImageConfig, 'rootfs'> = {
    created,
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: options.config ?? {},
    history: [{ created, created_by: 'dfc import', ...(options.comment ? { comment: options.comment } : {}) }],
  };
  return putImage(store, { config, layers: [layer], tags: options.tags });
}

/** Unpacks every layer of the image `reference` onto `dir`, in order. */
export async function exportRootfsToDir(store: Store, reference: string, dir: string): Promise<{ entries: number; skipped: string[] }> {
  const image = await resolveImage(store, reference);
  const total = { entries: 0, skipped: [] as string[] };
  for (const [i, layer] of image.manifest.layers.entries()) {
    if (!(await store.hasBlob(layer.digest))) throw new Error(`${store.blobPath(layer.digest)}: layer of ${reference} is missing; run dfc store verify`);
    const r = await unpackLayer(store.openBlob(layer.digest), dir);
    if (r.diffId !== image.config.rootfs.diff_ids[i]) {
      throw new Error(`${store.blobPath(layer.digest)}: layer ${i + 1} of ${reference} has diff_id ${r.diffId}, its config says ${image.config.rootfs.diff_ids[i]}; run dfc store verify`);
    }
    total.entries += r.entries;
    total.skipped.push(...r.skipped);
  }
  return total;
}

/**
 * The image's merged tree as one deterministic tar: unpacked into a scratch directory inside the
 * store, then packed. The caller consumes the returned stream; the scratch goes when it ends.
 */
export async function exportRootfsTar(store: Store, reference: string, options: PackOptions = {}): Promise<Readable> {
  const scratch = join(store.recordsDir, 'tmp', `rootfs-${process.pid}-${randomBytes(6).toString('hex')}`);
  await mkdir(scratch, { recursive: true });
  try {
    await exportRootfsToDir(store, reference, scratch);
  } catch (err) {
    await rm(scratch, { recursive: true, force: true });
    throw err;
  }
  const packed = packLayer(entriesFromDir(scratch), options);
  async function* thenClean(): AsyncGenerator<Buffer> {
    try {
      yield* packed as AsyncIterable<Buffer>;
    } finally {
      packed.destroy();
      await rm(scratch, { recursive: true, force: true });
    }
  }
  return Readable.from(thenClean(), { objectMode: false });
}
