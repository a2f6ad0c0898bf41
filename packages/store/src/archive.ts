// Image archives, both directions: OCI archives (a tarred OCI layout) and docker-archive tars
// (the `docker save` format: manifest.json, repositories, <config>.json, <layer>/layer.tar).
import { once } from 'node:events';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { isDigest, type Digest } from './digest.js';
import { indexImage, putManifest, resolveImage, type ResolvedImage } from './image.js';
import { defaultLayerMtime, writeLayerFromTar, type LayerInfo } from './layer-writer.js';
import { MediaType, REF_NAME, type Descriptor, type ImageConfig, type Index, type Manifest } from './oci.js';
import { normalizeTag, parseReference } from './reference.js';
import type { Store } from './store.js';
import { maybeGunzip } from './unpack.js';

export type ArchiveFormat = 'oci' | 'docker';

const CONTAINERD_NAME = 'io.containerd.image.name';

class ArchiveWriter {
  readonly pack = tar.pack();
  private readonly mtime = new Date(defaultLayerMtime() * 1000);
  private readonly dirs = new Set<string>();

  private header(name: string, size: number): tar.Header {
    return { name, size, mode: 0o644, mtime: this.mtime, type: 'file', uid: 0, gid: 0, uname: '', gname: '', linkname: '', devmajor: 0, devminor: 0 };
  }

  async dir(name: string): Promise<void> {
    if (this.dirs.has(name)) return;
    this.dirs.add(name);
    await new Promise<void>((resolve, reject) => {
      this.pack.entry({ ...this.header(`${name}/`, 0), type: 'directory', mode: 0o755 }, (err) => (err ? reject(err) : resolve()));
    });
  }

  async file(name: string, data: Uint8Array | string): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    await new Promise<void>((resolve, reject) => {
      this.pack.entry(this.header(name, bytes.length), Buffer.from(bytes), (err) => (err ? reject(err) : resolve()));
    });
  }

  async stream(name: string, size: number, source: Readable): Promise<void> {
    let sink!: Writable;
    const done = new Promise<void>((resolve, reject) => {
      sink = this.pack.entry(this.header(name, size), (err) => (err ? reject(err) : resolve())) as unknown as Writable;
    });
    for await (const chunk of source as AsyncIterable<Buffer>) {
      if (!sink.write(chunk)) await once(sink, 'drain');
    }
    sink.end();
    await done;
  }
}

async function countBytes(source: Readable): Promise<number> {
  let n = 0;
  for await (const chunk of source as AsyncIterable<Buffer>) n += chunk.length;
  return n;
}

/** The tag an image is saved under: what the user named, unless that was an id or digest. */
function savedTag(text: string, image: ResolvedImage): string | undefined {
  const ref = parseReference(text);
  if (!('error' in ref) && ref.digest === undefined && !/^(sha256:)?[0-9a-f]{4,64}$/.test(text)) return normalizeTag(text);
  return image.tags[0];
}

/** Writes the images `references` as one archive to `out`. */
export async function saveArchive(store: Store, references: string[], out: Writable, format: ArchiveFormat = 'oci'): Promise<void> {
  if (references.length === 0) throw new Error('nothing to save: name at least one image');
  const images = [];
  for (const text of references) {
    const image = await resolveImage(store, text);
    images.push({ image, tag: savedTag(text, image) });
  }
  const writer = new ArchiveWriter();
  const piping = pipeline(Readable.from(writer.pack as AsyncIterable<Buffer>), out);
  try {
    if (format === 'oci') await writeOci(store, images, writer);
    else await writeDocker(store, images, writer);
    writer.pack.finalize();
  } catch (err) {
    writer.pack.destroy(err as Error);
    await piping.catch(() => undefined);
    throw err;
  }
  await piping;
}

async function writeOci(store: Store, images: { image: ResolvedImage; tag: string | undefined }[], writer: ArchiveWriter): Promise<void> {
  const blobs = new Set<Digest>();
  const index: Index = { schemaVersion: 2, mediaType: MediaType.index, manifests: [] };
  for (const { image, tag } of images) {
    const annotations: Record<string, string> = {};
    if (tag) {
      annotations[REF_NAME] = tag;
      annotations[CONTAINERD_NAME] = tag;
    }
    index.manifests.push({ ...image.descriptor, ...(tag ? { annotations } : {}) });
    for (const d of [image.descriptor, image.manifest.config, ...image.manifest.layers]) blobs.add(d.digest);
  }
  await writer.file('oci-layout', JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writer.file('index.json', JSON.stringify(index));
  await writer.dir('blobs');
  await writer.dir('blobs/sha256');
  for (const digest of [...blobs].sort()) {
    await writer.stream(`blobs/sha256/${digest.slice(7)}`, await store.blobSize(digest), store.openBlob(digest));
  }
}

async function writeDocker(store: Store, images: { image: ResolvedImage; tag: string | undefined }[], writer: ArchiveWriter): Promise<void> {
  const manifest: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  const written = new Set<string>();
  for (const { image, tag } of images) {
    const configName = `${image.id.slice(7)}.json`;
    if (!written.has(configName)) {
      written.add(configName);
      await writer.file(configName, await store.readBlob(image.id));
    }
    const diffIds = image.config.rootfs.diff_ids;
    const layers: string[] = [];
    for (const [i, layer] of image.manifest.layers.entries()) {
      const dir = (diffIds[i] ?? layer.digest).slice(7);
      const name = `${dir}/layer.tar`;
      layers.push(name);
      if (written.has(name)) continue;
      written.add(name);
      // docker-archive layers are plain tars; the size goes in the header before the bytes.
      const size = await countBytes(await maybeGunzip(store.openBlob(layer.digest)));
      await writer.dir(dir);
      await writer.file(`${dir}/VERSION`, '1.0');
      await writer.stream(name, size, await maybeGunzip(store.openBlob(layer.digest)));
    }
    manifest.push({ Config: configName, RepoTags: tag ? [tag] : [], Layers: layers });
    if (tag && layers.length > 0) {
      const colon = tag.lastIndexOf(':');
      (repositories[tag.slice(0, colon)] ??= {})[tag.slice(colon + 1)] = layers[layers.length - 1]!.split('/')[0]!;
    }
  }
  await writer.file('manifest.json', JSON.stringify(manifest));
  await writer.file('repositories', JSON.stringify(repositories));
}

export interface LoadedImage {
  /** The tags it got, empty for an untagged image. */
  tags: string[];
  manifestDigest: Digest;
}

const SMALL_FILE = 16 << 20;

/** Reads an OCI archive or a docker-archive tar (plain or gzip) into the store. */
export async function loadArchive(store: Store, input: Readable): Promise<{ format: ArchiveFormat; images: LoadedImage[] }> {
  const extract = tar.extract();
  const source = await maybeGunzip(input);
  const feeding = pipeline(source, extract as unknown as NodeJS.WritableStream);
  feeding.catch(() => undefined);
  const small = new Map<string, Buffer>();
  const blobs = new Map<string, Digest>(); // archive name → blob in the store
  const layers = new Map<string, LayerInfo>(); // archive name of a plain layer tar → stored layer
  const links = new Map<string, string>();
  try {
    for await (const entry of extract) {
      const h = entry.header;
      const name = h.name.replace(/^(\.\/)+/, '').replace(/^\/+/, '');
      const body = Readable.from(entry as AsyncIterable<Buffer>, { objectMode: false });
      const blobMatch = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(name);
      if (h.type === 'symlink' || h.type === 'link') {
        const target = h.type === 'symlink' ? new URL(h.linkname ?? '', `file:///${name}`).pathname.slice(1) : (h.linkname ?? '');
        links.set(name, target);
        body.resume();
      } else if (h.type !== 'file' && h.type !== 'contiguous-file') {
        body.resume();
      } else if (blobMatch) {
        const digest = `sha256:${blobMatch[1]}` as Digest;
        await store.putBlob(body, digest);
        blobs.set(name, digest);
      } else if (name.endsWith('.tar') || (h.size ?? 0) > SMALL_FILE) {
        layers.set(name, await writeLayerFromTar(store, await maybeGunzip(body)));
      } else {
        const chunks: Buffer[] = [];
        for await (const c of body as AsyncIterable<Buffer>) chunks.push(c);
        small.set(name, Buffer.concat(chunks));
      }
    }
    await feeding;
  } catch (err) {
    source.destroy();
    throw new Error(`bad image archive: ${(err as Error).message}`);
  }
  const follow = (name: string): string => {
    for (let i = 0; i < 16 && links.has(name); i++) name = links.get(name)!;
    return name;
  };
  if (small.has('manifest.json')) return { format: 'docker', images: await loadDocker(store, small, blobs, layers, follow) };
  if (small.has('index.json')) return { format: 'oci', images: await loadOci(store, small) };
  throw new Error('not an image archive: it has neither manifest.json (docker-archive) nor index.json (OCI archive)');
}

function parseJson<T>(bytes: Buffer | undefined, what: string): T {
  if (!bytes) throw new Error(`image archive: ${what} is missing`);
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch {
    throw new Error(`image archive: ${what} is not valid JSON`);
  }
}

async function loadDocker(
  store: Store,
  small: Map<string, Buffer>,
  blobs: Map<string, Digest>,
  layers: Map<string, LayerInfo>,
  follow: (name: string) => string,
): Promise<LoadedImage[]> {
  const items = parseJson<{ Config?: string; RepoTags?: string[] | null; Layers?: string[] }[]>(small.get('manifest.json'), 'manifest.json');
  if (!Array.isArray(items)) throw new Error('image archive: manifest.json is not a list');
  const loaded: LoadedImage[] = [];
  for (const item of items) {
    const configName = follow(item.Config ?? '');
    let configDescriptor: Descriptor;
    const configBytes = small.get(configName);
    if (configBytes) {
      const blob = await store.putBlob(configBytes);
      configDescriptor = { mediaType: MediaType.config, ...blob };
    } else if (blobs.has(configName)) {
      const digest = blobs.get(configName)!;
      configDescriptor = { mediaType: MediaType.config, digest, size: await store.blobSize(digest) };
    } else {
      throw new Error(`image archive: config ${item.Config} is missing`);
    }
    const config = await store.readJson<ImageConfig>(configDescriptor.digest);
    const diffIds = config.rootfs?.diff_ids ?? [];
    const names = item.Layers ?? [];
    if (names.length !== diffIds.length) throw new Error(`image archive: ${configName} lists ${diffIds.length} layers, manifest.json ${names.length}`);
    const descriptors: Descriptor[] = [];
    for (const [i, raw] of names.entries()) {
      const name = follow(raw);
      let layer = layers.get(name);
      if (!layer && blobs.has(name)) {
        // A layer stored as a blob (newer `docker save`): plain or gzip; store it gzip.
        layer = await writeLayerFromTar(store, await maybeGunzip(store.openBlob(blobs.get(name)!)));
      }
      if (!layer) throw new Error(`image archive: layer ${raw} is missing`);
      if (layer.diffId !== diffIds[i]) throw new Error(`image archive: layer ${raw} hashes to ${layer.diffId}, but its config says ${diffIds[i]}`);
      descriptors.push(layer.descriptor);
    }
    const tags = (item.RepoTags ?? []).map(normalizeTag);
    const descriptor = await putManifest(store, configDescriptor, descriptors, tags);
    loaded.push({ tags, manifestDigest: descriptor.digest });
  }
  return loaded;
}

/** The tag an OCI archive's index entry names, if it names a whole reference. */
function ociTag(annotations: Record<string, string> | undefined): string | undefined {
  const full = annotations?.[CONTAINERD_NAME] ?? annotations?.[REF_NAME];
  if (full === undefined) return undefined;
  const ref = parseReference(full);
  if ('error' in ref || ref.digest !== undefined) return undefined;
  return normalizeTag(full);
}

async function checkComplete(store: Store, d: Descriptor): Promise<void> {
  if (!(await store.hasBlob(d.digest))) throw new Error(`image archive: blob ${d.digest} is missing`);
  if (d.mediaType === MediaType.index || d.mediaType === MediaType.dockerManifestList) {
    const index = await store.readJson<Index>(d.digest);
    for (const m of index.manifests ?? []) if (await store.hasBlob(m.digest)) await checkComplete(store, m);
    return;
  }
  if (d.mediaType === MediaType.manifest || d.mediaType === MediaType.dockerManifest) {
    const manifest = await store.readJson<Manifest>(d.digest);
    for (const c of [manifest.config, ...(manifest.layers ?? [])]) {
      if (!c || !isDigest(c.digest) || !(await store.hasBlob(c.digest))) throw new Error(`image archive: blob ${c?.digest} of manifest ${d.digest} is missing`);
    }
  }
}

async function loadOci(store: Store, small: Map<string, Buffer>): Promise<LoadedImage[]> {
  const index = parseJson<Index>(small.get('index.json'), 'index.json');
  if (!Array.isArray(index.manifests)) throw new Error('image archive: index.json has no manifests');
  const loaded: LoadedImage[] = [];
  for (const m of index.manifests) {
    if (!isDigest(m.digest)) throw new Error(`image archive: index.json names a bad digest ${JSON.stringify(m.digest)}`);
    await checkComplete(store, m);
    const tag = ociTag(m.annotations);
    const tags = tag ? [tag] : [];
    await indexImage(store, { mediaType: m.mediaType, digest: m.digest, size: m.size }, tags);
    loaded.push({ tags, manifestDigest: m.digest });
  }
  return loaded;
}
