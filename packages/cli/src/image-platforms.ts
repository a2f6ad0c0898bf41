// The platforms of the images in a store, as lint's `images` lookup (InvalidBaseImagePlatform):
// `dfc lint` and `dfc build` check a FROM image against the stage's platform when the image is here.
// Only reads: a store that does not exist is not created, and one that cannot be read checks nothing.
import { access } from 'node:fs/promises';
import path from 'node:path';
import { parseImageReference } from '@dfc/ir';
import type { ImageLookup } from '@dfc/lint';

type Platform = { os: string; architecture: string; variant?: string };

/**
 * The lookup over the store at `root` (else the default store); undefined when there is no store.
 * With `only`, just those references are read (a check that knows what it will ask).
 */
export async function storeImageLookup(root: string | undefined, env: NodeJS.ProcessEnv, only?: Iterable<string>): Promise<ImageLookup | undefined> {
  const { REF_NAME, Store, defaultStoreRoot, resolveImage } = await import('@dfc/store');
  root ??= defaultStoreRoot(env);
  try {
    await access(path.join(root, 'oci-layout'));
  } catch {
    return undefined;
  }
  const byName = new Map<string, Platform>();
  const byDigest = new Map<string, Platform>();
  try {
    const store = await Store.open(root);
    const index = await store.readIndex();
    const wanted = only && new Set([...only].map(keyOf));
    for (const m of index.manifests) {
      const ref = m.annotations?.[REF_NAME];
      if (ref === undefined) continue;
      const name = keyOf(ref);
      if (wanted && !wanted.has(name) && !wanted.has(m.digest)) continue;
      const image = await resolveImage(store, ref).catch(() => undefined);
      if (!image) continue;
      const platform: Platform = { os: image.config.os, architecture: image.config.architecture };
      if (image.config.variant) platform.variant = image.config.variant;
      byName.set(name, platform);
      byDigest.set(image.manifestDigest, platform);
    }
  } catch {
    return undefined;
  }
  return (reference) => {
    const parsed = parseImageReference(reference);
    if (!parsed.ok) return undefined;
    if (parsed.value.digest !== undefined) return byDigest.get(parsed.value.digest);
    return byName.get(parsed.value.normalized);
  };
}

/** A reference as the maps hold it: the digest of a `name@digest`, else the normalized name. */
function keyOf(reference: string): string {
  const parsed = parseImageReference(reference);
  if (!parsed.ok) return reference;
  return parsed.value.digest ?? parsed.value.normalized;
}
