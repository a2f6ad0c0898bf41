// Garbage collection: remove blobs that no tag, untagged index entry or cache record reaches.
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic.js';
import { isDigest, type Digest } from './digest.js';
import type { Descriptor, Index, Manifest } from './oci.js';
import type { Store } from './store.js';

function rootsDir(store: Store): string {
  return join(store.recordsDir, 'roots');
}

/**
 * Records blobs that something other than the index still needs (cache entries), under `name`;
 * `prune` keeps them and everything they reach. Replaces an earlier record of that name.
 */
export async function setRoots(store: Store, name: string, digests: Digest[]): Promise<void> {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`root record name "${name}" must be letters, digits, . _ -`);
  await mkdir(rootsDir(store), { recursive: true });
  await writeFileAtomic(join(rootsDir(store), `${name}.json`), JSON.stringify({ digests }) + '\n');
}

export async function removeRoots(store: Store, name: string): Promise<void> {
  await rm(join(rootsDir(store), `${name}.json`), { force: true });
}

/** The digests every `.dfc/roots` record names. */
export async function recordedRoots(store: Store): Promise<Digest[]> {
  const out: Digest[] = [];
  for (const file of await readdir(rootsDir(store)).catch(() => [] as string[])) {
    if (!file.endsWith('.json')) continue;
    try {
      const doc = JSON.parse(await readFile(join(rootsDir(store), file), 'utf8')) as { digests?: unknown[] };
      for (const d of doc.digests ?? []) if (isDigest(d)) out.push(d);
    } catch {
      // An unreadable record keeps nothing alive; verify reports corrupt blobs, not records.
    }
  }
  return out;
}

/** Every blob reachable from `roots`: manifests and indexes are followed, others are leaves. */
export async function reachableBlobs(store: Store, roots: Iterable<Digest>): Promise<Set<Digest>> {
  const seen = new Set<Digest>();
  const queue = [...roots];
  while (queue.length > 0) {
    const digest = queue.pop()!;
    if (seen.has(digest)) continue;
    seen.add(digest);
    if (!(await store.hasBlob(digest))) continue;
    const size = await store.blobSize(digest);
    if (size > 4 << 20) continue; // manifests and indexes are small; a layer is not followed
    let doc: Partial<Manifest & Index> | undefined;
    try {
      const bytes = await readFile(store.blobPath(digest));
      if (bytes[0] !== 0x7b) continue; // not a JSON object
      doc = JSON.parse(bytes.toString('utf8')) as Partial<Manifest & Index>;
    } catch {
      continue;
    }
    const children: (Descriptor | undefined)[] = [doc.config, ...(Array.isArray(doc.layers) ? doc.layers : []), ...(Array.isArray(doc.manifests) ? doc.manifests : [])];
    for (const child of children) if (child && isDigest(child.digest)) queue.push(child.digest);
  }
  return seen;
}

export interface PruneResult {
  removed: Digest[];
  bytesFreed: number;
}

/** Removes unreachable blobs and leftovers of dead writers; blobs a live writer may still need are kept. */
export async function pruneStore(store: Store, options: { keep?: Digest[] } = {}): Promise<PruneResult> {
  return store.withIndexLock(async () => {
    const index = await store.readIndex();
    const roots = [...index.manifests.map((m) => m.digest), ...(await recordedRoots(store)), ...(options.keep ?? [])];
    const live = await reachableBlobs(store, roots);
    // A writer that started before now may have written blobs it has not indexed yet.
    const oldestWriter = await store.oldestOtherSession();
    const result: PruneResult = { removed: [], bytesFreed: 0 };
    for (const digest of await store.listBlobs()) {
      if (live.has(digest)) continue;
      const path = store.blobPath(digest);
      const st = await stat(path).catch(() => undefined);
      if (!st) continue;
      if (oldestWriter !== undefined && st.mtimeMs >= oldestWriter - 2000) continue;
      await rm(path, { force: true });
      result.removed.push(digest);
      result.bytesFreed += st.size;
    }
    result.bytesFreed += await store.removeStaleTemps();
    return result;
  });
}
