// A stage's root file system as a directory, for COPY to look into (is the destination a
// folder, who is `app` in /etc/passwd) and to copy from (COPY --from): every layer unpacked in
// order by the store's safe unpacker, whiteouts applied.
import fs from 'node:fs/promises';
import { unpackLayer, type LayerEntry, type Store } from '@dfc/store';
import type { LayerRef } from '@dfc/runner';
import type { SourceTree } from './copy.js';

export async function materializeRootfs(store: Store, layers: readonly LayerRef[], dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  for (const layer of layers) {
    if (!(await store.hasBlob(layer.descriptor.digest))) {
      throw new Error(`${store.blobPath(layer.descriptor.digest)}: layer ${layer.diffId} is missing from the store; run dfc store verify`);
    }
    await unpackLayer(store.openBlob(layer.descriptor.digest), dir);
  }
}

/**
 * The entries with the folders above them that they lack, as the image has those folders (mode
 * and owner). A layer is unpacked on its own as an overlay lower dir, where a missing parent would
 * be made root-owned 0755 and, being higher, hide the image's own; a later RUN copies that up.
 */
export function withParentDirs(entries: LayerEntry[], image: SourceTree): LayerEntry[] {
  const have = new Set(entries.map((e) => e.path.replace(/^\/+|\/+$/g, '')));
  const parents: LayerEntry[] = [];
  for (const e of entries) {
    const parts = e.path.replace(/^\/+|\/+$/g, '').split('/');
    for (let i = 1; i < parts.length; i++) {
      const rel = parts.slice(0, i).join('/');
      if (have.has(rel)) continue;
      have.add(rel);
      const dir = image.lookup(rel);
      if (dir?.kind === 'dir') parents.push({ kind: 'dir', path: rel, mode: dir.mode, uid: dir.uid ?? 0, gid: dir.gid ?? 0 });
    }
  }
  return [...parents, ...entries];
}
