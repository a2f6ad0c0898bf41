// A stage's root file system as a directory, for COPY to look into (is the destination a
// folder, who is `app` in /etc/passwd) and to copy from (COPY --from): every layer unpacked in
// order by the store's safe unpacker, whiteouts applied.
import fs from 'node:fs/promises';
import { unpackLayer, type Store } from '@dfc/store';
import type { LayerRef } from '@dfc/runner';

export async function materializeRootfs(store: Store, layers: readonly LayerRef[], dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  for (const layer of layers) {
    if (!(await store.hasBlob(layer.descriptor.digest))) {
      throw new Error(`${store.blobPath(layer.descriptor.digest)}: layer ${layer.diffId} is missing from the store; run dfc store verify`);
    }
    await unpackLayer(store.openBlob(layer.descriptor.digest), dir);
  }
}
