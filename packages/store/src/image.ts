// Images in the store: writing config + manifest, tags in the index, resolving a reference.
import { isDigest, type Digest } from './digest.js';
import { MediaType, REF_NAME, hostPlatform, type Descriptor, type ImageConfig, type Index, type Manifest } from './oci.js';
import { normalizeTag, parseReference } from './reference.js';
import type { Store } from './store.js';

/** JSON with object keys sorted at every level: the same document always gives the same digest. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

export interface NewImage {
  /** The config; `rootfs` is always rewritten from `layers`, so a base image's config can be spread in. */
  config: Omit<ImageConfig, 'rootfs'> & { rootfs?: ImageConfig['rootfs'] };
  /** Layers bottom to top, as `writeLayer` (or a base image) described them. */
  layers: { diffId: Digest; descriptor: Descriptor }[];
  /** Tags to point at the new image (`name` or `name:tag`). */
  tags?: string[];
  annotations?: Record<string, string>;
}

export interface ImageRecord {
  /** Digest of the manifest: what `name@digest` names. */
  manifestDigest: Digest;
  /** Digest of the config: the image id `dfc images` shows. */
  id: Digest;
  manifest: Manifest;
  config: ImageConfig;
  /** The manifest's descriptor, as it goes in an index. */
  descriptor: Descriptor;
}

/** Writes an image's config and manifest (its layers must be in the store) and tags it. */
export async function putImage(store: Store, image: NewImage): Promise<ImageRecord> {
  const diffIds = image.layers.map((l) => l.diffId);
  const history = image.config.history;
  if (history && history.length > 0) {
    const nonEmpty = history.filter((h) => !h.empty_layer).length;
    if (nonEmpty !== image.layers.length) {
      throw new Error(`image history has ${nonEmpty} entries that make layers, but the image has ${image.layers.length} layers`);
    }
  }
  for (const layer of image.layers) {
    if (!(await store.hasBlob(layer.descriptor.digest))) throw new Error(`layer blob ${layer.descriptor.digest} is not in the store`);
  }
  const config: ImageConfig = { ...image.config, rootfs: { type: 'layers', diff_ids: diffIds } };
  const configBytes = Buffer.from(canonicalJson(config));
  const configBlob = await store.putBlob(configBytes);
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.manifest,
    config: { mediaType: MediaType.config, digest: configBlob.digest, size: configBlob.size },
    layers: image.layers.map((l) => ({ mediaType: l.descriptor.mediaType, digest: l.descriptor.digest, size: l.descriptor.size })),
  };
  if (image.annotations && Object.keys(image.annotations).length > 0) manifest.annotations = image.annotations;
  const manifestBlob = await store.putBlob(Buffer.from(canonicalJson(manifest)));
  const descriptor: Descriptor = { mediaType: MediaType.manifest, digest: manifestBlob.digest, size: manifestBlob.size };
  if (image.tags && image.tags.length > 0) await setTags(store, descriptor, image.tags);
  return { manifestDigest: manifestBlob.digest, id: configBlob.digest, manifest, config, descriptor };
}

/**
 * Writes a manifest for a config blob and layer blobs already in the store (config bytes kept as
 * they are, so an image id survives a load), then tags it, or indexes it untagged.
 */
export async function putManifest(store: Store, config: Descriptor, layers: Descriptor[], tags: string[] = []): Promise<Descriptor> {
  for (const d of [config, ...layers]) {
    if (!(await store.hasBlob(d.digest))) throw new Error(`blob ${d.digest} is not in the store`);
  }
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.manifest,
    config: { mediaType: MediaType.config, digest: config.digest, size: config.size },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
  };
  const blob = await store.putBlob(Buffer.from(canonicalJson(manifest)));
  const descriptor: Descriptor = { mediaType: MediaType.manifest, digest: blob.digest, size: blob.size };
  await indexImage(store, descriptor, tags);
  return descriptor;
}

/** Adds `descriptor` to the index under `tags`, or untagged when there are none. */
export async function indexImage(store: Store, descriptor: Descriptor, tags: string[]): Promise<void> {
  if (tags.length > 0) return setTags(store, descriptor, tags);
  await store.updateIndex((index) => {
    if (index.manifests.some((m) => m.digest === descriptor.digest)) return;
    index.manifests.push({ mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size });
  });
}

/**
 * Points each tag at `descriptor`, replacing what it pointed at; one index write. A tag that names
 * it already stays where it is, so giving an image the tags it has changes nothing (and
 * updateIndex then writes nothing).
 */
export async function setTags(store: Store, descriptor: Descriptor, tags: string[]): Promise<void> {
  const names = tags.map(normalizeTag);
  await store.updateIndex((index) => {
    const kept = index.manifests.filter((m) => {
      const name = m.annotations?.[REF_NAME];
      if (name === undefined) return m.digest !== descriptor.digest;
      return !names.includes(name) || m.digest === descriptor.digest;
    });
    const added = names
      .filter((name) => !kept.some((m) => m.digest === descriptor.digest && m.annotations?.[REF_NAME] === name))
      .map((name) => ({
        mediaType: descriptor.mediaType,
        digest: descriptor.digest,
        size: descriptor.size,
        annotations: { [REF_NAME]: name },
      }));
    return { ...index, manifests: [...kept, ...added] };
  });
}

/** An image's layers as `putImage` takes them: a derived image starts from its base's. */
export function imageLayers(image: ImageRecord): { diffId: Digest; descriptor: Descriptor }[] {
  return image.manifest.layers.map((descriptor, i) => {
    const diffId = image.config.rootfs.diff_ids[i];
    if (diffId === undefined) throw new Error(`image ${image.id}: config has fewer diff_ids than the manifest has layers`);
    return { diffId, descriptor };
  });
}

export interface ResolvedImage extends ImageRecord {
  /** The tags in the index that point at this manifest. */
  tags: string[];
}

async function loadImage(store: Store, descriptor: Descriptor, tags: string[]): Promise<ResolvedImage> {
  let manifestDescriptor = descriptor;
  let doc = await store.readJson<Manifest | Index>(descriptor.digest);
  if ('manifests' in doc) {
    // An image index (multi-platform): take the host's platform, else the only entry.
    const host = hostPlatform();
    const candidates = doc.manifests.filter((m) => m.mediaType === MediaType.manifest || m.mediaType === MediaType.dockerManifest);
    const pick = candidates.find((m) => m.platform?.architecture === host.architecture && m.platform?.os === host.os) ?? (candidates.length === 1 ? candidates[0] : undefined);
    if (!pick) throw new Error(`${descriptor.digest}: image index has no manifest for ${host.os}/${host.architecture}`);
    manifestDescriptor = pick;
    doc = await store.readJson<Manifest>(pick.digest);
  }
  const manifest = doc as Manifest;
  if (!manifest.config || !Array.isArray(manifest.layers)) throw new Error(`${store.blobPath(manifestDescriptor.digest)}: not an image manifest`);
  const config = await store.readJson<ImageConfig>(manifest.config.digest);
  return { manifestDigest: manifestDescriptor.digest, id: manifest.config.digest, manifest, config, descriptor: manifestDescriptor, tags };
}

function tagsOf(index: Index, digest: Digest): string[] {
  return index.manifests.filter((m) => m.digest === digest && m.annotations?.[REF_NAME]).map((m) => m.annotations![REF_NAME]!);
}

/**
 * Finds an image by tag (`name`, `name:tag`), by `name@digest`, by manifest digest, or by image id
 * (config digest, or a unique prefix of its hex as `dfc images` prints it).
 */
export async function resolveImage(store: Store, text: string): Promise<ResolvedImage> {
  const index = await store.readIndex();
  const hex = text.startsWith('sha256:') ? text.slice(7) : text;
  if (/^[0-9a-f]{4,64}$/.test(hex) && (text.startsWith('sha256:') || !index.manifests.some((m) => m.annotations?.[REF_NAME] === `${text}:latest`))) {
    const byManifest = index.manifests.find((m) => m.digest === `sha256:${hex}`);
    if (byManifest) return loadImage(store, byManifest, tagsOf(index, byManifest.digest));
    const matches = new Map<Digest, ResolvedImage>();
    for (const m of uniqueByDigest(index.manifests)) {
      // A broken image cannot be the one named; `dfc store verify` reports it.
      const image = await loadImage(store, m, tagsOf(index, m.digest)).catch(() => undefined);
      if (image?.id.slice(7).startsWith(hex)) matches.set(image.manifestDigest, image);
    }
    if (matches.size === 1) return [...matches.values()][0]!;
    if (matches.size > 1) throw new Error(`image id prefix "${text}" is ambiguous; give more digits`);
    if (text.startsWith('sha256:')) throw new Error(`no image ${text} in the store`);
  }
  const ref = parseReference(text);
  if ('error' in ref) throw new Error(ref.error);
  if (ref.digest !== undefined) {
    const entry = index.manifests.find((m) => m.digest === ref.digest);
    if (entry) return loadImage(store, entry, tagsOf(index, entry.digest));
    if (isDigest(ref.digest) && (await store.hasBlob(ref.digest))) {
      return loadImage(store, { mediaType: MediaType.manifest, digest: ref.digest, size: await store.blobSize(ref.digest) }, []);
    }
    throw new Error(`no image ${text} in the store`);
  }
  const name = `${ref.name}:${ref.tag ?? 'latest'}`;
  const entry = index.manifests.find((m) => m.annotations?.[REF_NAME] === name);
  if (!entry) throw new Error(`no image "${name}" in the store (see dfc images)`);
  return loadImage(store, entry, tagsOf(index, entry.digest));
}

function uniqueByDigest(descriptors: Descriptor[]): Descriptor[] {
  const seen = new Set<string>();
  return descriptors.filter((d) => (seen.has(d.digest) ? false : (seen.add(d.digest), true)));
}

export interface ImageSummary {
  /** `name:tag`, or undefined for an untagged image. */
  reference: string | undefined;
  id: Digest;
  manifestDigest: Digest;
  created: string | undefined;
  /** Bytes the image's blobs take in the store (manifest, config, layers). */
  size: number;
  /** Why the image could not be read (a missing or corrupt blob), when it could not. */
  problem?: string;
}

/** One row per tag (and one per untagged image), sorted by reference. */
export async function listImages(store: Store): Promise<ImageSummary[]> {
  const index = await store.readIndex();
  const rows: ImageSummary[] = [];
  const cache = new Map<string, ResolvedImage>();
  for (const m of index.manifests) {
    let image = cache.get(m.digest);
    if (!image) {
      try {
        image = await loadImage(store, m, []);
      } catch (err) {
        // One broken image must not hide the others; `dfc store verify` says what is wrong.
        rows.push({ reference: m.annotations?.[REF_NAME], id: m.digest, manifestDigest: m.digest, created: undefined, size: m.size, problem: (err as Error).message });
        continue;
      }
      cache.set(m.digest, image);
    }
    const size = m.size + image.manifest.config.size + image.manifest.layers.reduce((n, l) => n + l.size, 0) + (image.descriptor.digest !== m.digest ? image.descriptor.size : 0);
    rows.push({ reference: m.annotations?.[REF_NAME], id: image.id, manifestDigest: image.manifestDigest, created: image.config.created, size });
  }
  return rows.sort((a, b) => (a.reference ?? '\uffff').localeCompare(b.reference ?? '\uffff'));
}

/** Gives the image `source` resolves to the tag `target`. */
export async function tagImage(store: Store, source: string, target: string): Promise<void> {
  const image = await resolveImage(store, source);
  const index = await store.readIndex();
  const entry = index.manifests.find((m) => m.digest === image.descriptor.digest) ?? index.manifests.find((m) => m.digest === image.manifestDigest);
  await setTags(store, entry ? { mediaType: entry.mediaType, digest: entry.digest, size: entry.size } : image.descriptor, [target]);
}

/**
 * Removes a tag, or (given an id or digest) every tag of that image; an id with several tags
 * needs `force`. Blobs stay until `prune`. Returns the tags removed.
 */
export async function removeImage(store: Store, text: string, options: { force?: boolean } = {}): Promise<string[]> {
  const ref = parseReference(text);
  const byTag = !('error' in ref) && ref.digest === undefined && !/^(sha256:)?[0-9a-f]{4,64}$/.test(text);
  let removed: string[] = [];
  if (byTag) {
    const name = normalizeTag(text);
    await store.updateIndex((index) => {
      const before = index.manifests.length;
      index.manifests = index.manifests.filter((m) => m.annotations?.[REF_NAME] !== name);
      if (index.manifests.length === before) throw new Error(`no image "${name}" in the store (see dfc images)`);
      removed = [name];
    });
    return removed;
  }
  const image = await resolveImage(store, text);
  await store.updateIndex((index) => {
    const hits = index.manifests.filter((m) => m.digest === image.descriptor.digest || m.digest === image.manifestDigest);
    const tags = hits.map((m) => m.annotations?.[REF_NAME]).filter((t): t is string => t !== undefined);
    if (tags.length > 1 && !options.force) {
      throw new Error(`image ${image.id.slice(7, 19)} has several tags (${tags.join(', ')}); remove them one by one or use --force`);
    }
    index.manifests = index.manifests.filter((m) => !hits.includes(m));
    removed = tags.length > 0 ? tags : [image.id];
  });
  return removed;
}
