// Source trees for COPY: the build context (its hashed entries), or a directory on the host
// holding a root file system (a stage's or an image's), read without following links.
import fs from 'node:fs';
import path from 'node:path';
import type { BuildContext } from './context.js';
import type { SourceTree, TreeEntry } from './copy.js';

export function contextTree(ctx: BuildContext): SourceTree {
  return {
    lookup(rel) {
      if (rel === '') return { kind: 'dir', mode: 0o755, size: 0 };
      const e = ctx.entries.get(rel);
      if (!e) return undefined;
      const entry: TreeEntry = { kind: e.kind, mode: e.mode, size: e.size };
      if (e.digest) entry.digest = e.digest;
      if (e.target !== undefined) entry.target = e.target;
      if (e.inode !== undefined) entry.inode = e.inode;
      return entry;
    },
    list: (rel) => ctx.entries.list(rel),
    content: (rel, entry) => ({ hostPath: path.join(ctx.root, rel), size: entry.size }),
  };
}

/** A root file system unpacked in a host directory. */
export function hostTree(root: string): SourceTree {
  return {
    lookup(rel) {
      let stat: fs.Stats;
      try {
        stat = fs.lstatSync(path.join(root, rel));
      } catch {
        return undefined;
      }
      const mode = stat.mode & 0o7777;
      const owner = { uid: stat.uid, gid: stat.gid };
      if (stat.isDirectory()) return { kind: 'dir', mode, size: 0, ...owner };
      if (stat.isSymbolicLink()) return { kind: 'symlink', mode, size: 0, target: fs.readlinkSync(path.join(root, rel)), ...owner };
      if (stat.isFile()) return { kind: 'file', mode, size: stat.size, ...owner, ...(stat.nlink > 1 ? { inode: `${stat.dev}:${stat.ino}` } : {}) };
      return undefined;
    },
    list(rel) {
      try {
        return fs.readdirSync(path.join(root, rel)).sort();
      } catch {
        return [];
      }
    },
    content: (rel, entry) => ({ hostPath: path.join(root, rel), size: entry.size }),
  };
}
