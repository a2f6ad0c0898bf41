// What a layer holds, one entry per path, before it becomes tar bytes.

interface EntryBase {
  /** Path inside the image, relative, `/`-separated, no `.` or `..` parts (a leading `/` is dropped). */
  path: string;
  uid?: number;
  gid?: number;
}

export type LayerEntry =
  | (EntryBase & { kind: 'dir'; mode?: number })
  | (EntryBase & { kind: 'file'; mode?: number; content: FileContent })
  | (EntryBase & { kind: 'symlink'; target: string })
  /** A second name for a file already in this layer: `target` is that file's layer path. */
  | (EntryBase & { kind: 'hardlink'; target: string })
  | (EntryBase & { kind: 'char' | 'block'; mode?: number; major: number; minor: number })
  | (EntryBase & { kind: 'fifo'; mode?: number })
  /** `path` was deleted: written as `.wh.NAME` beside it. */
  | (EntryBase & { kind: 'whiteout' })
  /** Directory `path` hides everything below it in lower layers: written as `PATH/.wh..wh..opq`. */
  | (EntryBase & { kind: 'opaque' });

/** File bytes in memory, or read from a host file of the given size when packed. */
export type FileContent = Uint8Array | string | { hostPath: string; size: number };

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';

/** Cleans an image path: drops leading `/` and `./`, rejects `..`, empty parts collapse. */
const CLEAN_PATH = /^(?!\.{1,2}(?:\/|$))(?:[^/]+\/(?!\.{1,2}(?:\/|$)))*[^/]+$/;

export function cleanLayerPath(path: string): string {
  if (CLEAN_PATH.test(path)) return path; // the common case: nothing to clean
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') throw new Error(`layer path "${path}" contains ".."`);
    parts.push(part);
  }
  return parts.join('/');
}

/** The name an entry has in the tar (without a directory's trailing slash). */
export function tarNameOf(entry: LayerEntry): string {
  const path = cleanLayerPath(entry.path);
  switch (entry.kind) {
    case 'whiteout': {
      const slash = path.lastIndexOf('/');
      if (path === '') throw new Error('cannot white out the root directory');
      return `${path.slice(0, slash + 1)}${WHITEOUT_PREFIX}${path.slice(slash + 1)}`;
    }
    case 'opaque':
      return path === '' ? OPAQUE_MARKER : `${path}/${OPAQUE_MARKER}`;
    default:
      return path;
  }
}

/**
 * Layer order: component by component, bytewise (a directory, then everything under it, then its
 * next sibling), so a directory walk that sorts each listing produces it without a global sort.
 */
export function compareLayerPaths(a: string, b: string): number {
  // Bytewise with '/' below every other byte is the same order; found without allocating, one
  // code unit at a time, while both are below the surrogates (where UTF-16 and UTF-8 order agree).
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 || y >= 0xd800) return compareByComponents(a, b);
    if (x === 0x2f) return -1;
    if (y === 0x2f) return 1;
    return x - y;
  }
  return a.length - b.length;
}

function compareByComponents(a: string, b: string): number {
  const pa = a.split('/');
  const pb = b.split('/');
  const n = Math.min(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    const c = Buffer.compare(Buffer.from(pa[i]!), Buffer.from(pb[i]!));
    if (c !== 0) return c;
  }
  return pa.length - pb.length;
}
