// @dfc/store: blobs, OCI image layout, layers. Knows nothing of Dockerfiles.

// Digests and the OCI documents.
export { digestOf, isDigest, assertDigest, DigestStream, type Digest } from './digest.js';
export { MediaType, REF_NAME, hostPlatform } from './oci.js';
export type { Descriptor, Manifest, Index, ImageConfig, ContainerConfig, HistoryEntry, Healthcheck, Platform } from './oci.js';
export { parseReference, normalizeTag, formatReference, type Reference } from './reference.js';

// The store on disk: blobs written atomically, the index under a lock.
export { Store, defaultStoreRoot, type BlobInfo, type BlobWriter } from './store.js';

// Layers: deterministic tars in, safe unpacking out.
export { cleanLayerPath, compareLayerPaths, type LayerEntry, type FileContent } from './layer-entry.js';
export { entriesFromDir, type WalkOptions } from './walk.js';
export { writeLayer, writeLayerFromTar, packLayer, sortLayerEntries, defaultLayerMtime } from './layer-writer.js';
export type { LayerInfo, PackOptions, WriteLayerOptions } from './layer-writer.js';
export { unpackLayer, maybeGunzip, UnsafeLayerError, type UnpackOptions, type UnpackResult } from './unpack.js';

// Images: write, tag, resolve, list, remove.
export { putImage, setTags, resolveImage, listImages, tagImage, removeImage, canonicalJson } from './image.js';
export type { NewImage, ImageRecord, ResolvedImage, ImageSummary } from './image.js';
