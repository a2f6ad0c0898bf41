// @dfc/store: blobs, OCI image layout, layers. Knows nothing of Dockerfiles.

// Digests and the OCI documents.
export { digestOf, isDigest, assertDigest, DigestStream, type Digest } from './digest.js';
export { MediaType, REF_NAME, hostPlatform } from './oci.js';
export type { Descriptor, Manifest, Index, ImageConfig, ContainerConfig, HistoryEntry, Healthcheck, Platform } from './oci.js';
export { parseReference, normalizeTag, formatReference, type Reference } from './reference.js';

// The store on disk: blobs written atomically, the index under a lock.
export { Store, defaultStoreRoot, type BlobInfo, type BlobWriter } from './store.js';
export { pidAlive } from './lock.js';

// Layers: deterministic tars in, safe unpacking out.
export { cleanLayerPath, compareLayerPaths, type LayerEntry, type FileContent } from './layer-entry.js';
export { entriesFromDir, type WalkOptions } from './walk.js';
export { writeLayer, writeLayerFromTar, packLayer, layerDiffId, sortLayerEntries, defaultLayerMtime } from './layer-writer.js';
export type { LayerInfo, PackOptions, WriteLayerOptions } from './layer-writer.js';
export { unpackLayer, maybeGunzip, UnsafeLayerError, type UnpackOptions, type UnpackResult } from './unpack.js';

// Images: write, tag, resolve, list, remove.
export { putImage, putManifest, imageLayers, resolveImage, listImages } from './image.js';
export { setTags, tagImage, indexImage, removeImage, canonicalJson } from './image.js';
export type { NewImage, ImageRecord, ResolvedImage, ImageSummary } from './image.js';

// Housekeeping: garbage collection and verification.
export { pruneStore, setRoots, removeRoots, recordedRoots, reachableBlobs, type PruneResult } from './prune.js';
export { verifyStore, type VerifyReport, type VerifyProblem } from './verify.js';

// Formats in and out: rootfs import/export, OCI and docker archives.
export { importRootfs, exportRootfsToDir, exportRootfsTar, type ImportOptions } from './rootfs.js';
export { saveArchive, loadArchive, type ArchiveFormat, type LoadedImage } from './archive.js';

// A base image made from the host's busybox-static, for tests and the demo.
export { makeBusyboxImage, busyboxEntries, BUSYBOX_PATH, BUSYBOX_INSTALL_HINT, type BusyboxImageOptions } from './busybox.js';
