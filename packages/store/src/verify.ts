// Store verification: re-hash every blob and check that every image's references resolve.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DigestStream, type Digest } from './digest.js';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { MediaType, REF_NAME, type Descriptor, type ImageConfig, type Index, type Manifest } from './oci.js';
import { recordedRoots } from './prune.js';
import type { Store } from './store.js';

export interface VerifyProblem {
  /** The file at fault. */
  path: string;
  message: string;
}

export interface VerifyReport {
  blobs: number;
  images: number;
  problems: VerifyProblem[];
}

async function hashFile(store: Store, digest: Digest): Promise<Digest> {
  const hasher = new DigestStream();
  await pipeline(store.openBlob(digest), hasher, new Writable({ write: (_c, _e, cb) => cb() }));
  return hasher.digest();
}

export async function verifyStore(store: Store): Promise<VerifyReport> {
  const report: VerifyReport = { blobs: 0, images: 0, problems: [] };
  const problem = (path: string, message: string): void => void report.problems.push({ path, message });
  const layoutPath = join(store.root, 'oci-layout');
  try {
    const layout = JSON.parse(await readFile(layoutPath, 'utf8')) as { imageLayoutVersion?: unknown };
    if (typeof layout.imageLayoutVersion !== 'string') problem(layoutPath, 'no imageLayoutVersion');
  } catch (err) {
    problem(layoutPath, `unreadable: ${(err as Error).message}`);
  }
  const good = new Set<Digest>();
  for (const digest of await store.listBlobs()) {
    report.blobs++;
    try {
      const actual = await hashFile(store, digest);
      if (actual === digest) good.add(digest);
      else problem(store.blobPath(digest), `content hashes to ${actual}`);
    } catch (err) {
      problem(store.blobPath(digest), `unreadable: ${(err as Error).message}`);
    }
  }
  let index: Index;
  try {
    index = await store.readIndex();
  } catch (err) {
    problem(store.indexPath, (err as Error).message.replace(`${store.indexPath}: `, ''));
    return report;
  }
  const checked = new Set<Digest>();
  const checkDescriptor = async (d: Descriptor, where: string): Promise<void> => {
    if (checked.has(d.digest)) return;
    checked.add(d.digest);
    const path = store.blobPath(d.digest);
    if (!good.has(d.digest)) {
      if (!(await store.hasBlob(d.digest))) problem(path, `missing, referenced by ${where}`);
      return;
    }
    const size = await store.blobSize(d.digest);
    if (size !== d.size) problem(path, `size ${size}, but ${where} says ${d.size}`);
    if (d.mediaType === MediaType.index || d.mediaType === MediaType.dockerManifestList) {
      const nested = JSON.parse((await readFile(path)).toString('utf8')) as Index;
      for (const m of nested.manifests ?? []) await checkDescriptor(m, `index ${d.digest}`);
      return;
    }
    if (d.mediaType !== MediaType.manifest && d.mediaType !== MediaType.dockerManifest) return;
    report.images++;
    let manifest: Manifest;
    try {
      manifest = JSON.parse((await readFile(path)).toString('utf8')) as Manifest;
    } catch {
      problem(path, 'manifest is not JSON');
      return;
    }
    if (!manifest.config || !Array.isArray(manifest.layers)) {
      problem(path, 'manifest has no config or layers');
      return;
    }
    await checkDescriptor(manifest.config, `manifest ${d.digest}`);
    for (const layer of manifest.layers) await checkDescriptor(layer, `manifest ${d.digest}`);
    if (good.has(manifest.config.digest)) {
      try {
        const config = JSON.parse((await readFile(store.blobPath(manifest.config.digest))).toString('utf8')) as ImageConfig;
        const ids = config.rootfs?.diff_ids ?? [];
        if (ids.length !== manifest.layers.length) {
          problem(store.blobPath(manifest.config.digest), `config lists ${ids.length} diff_ids, manifest ${d.digest} has ${manifest.layers.length} layers`);
        }
      } catch {
        problem(store.blobPath(manifest.config.digest), 'config is not JSON');
      }
    }
  };
  for (const m of index.manifests) await checkDescriptor(m, m.annotations?.[REF_NAME] ? `tag ${m.annotations[REF_NAME]}` : 'index.json');
  // Blobs that cache records keep alive must be there too.
  for (const digest of await recordedRoots(store)) {
    if (!(await store.hasBlob(digest))) problem(store.blobPath(digest), `missing, kept by a record in ${join(store.recordsDir, 'roots')}`);
  }
  return report;
}
