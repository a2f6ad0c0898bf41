// COPY and ADD (local sources) with Docker's semantics, as a list of layer entries:
// - sources are relative to their tree's root; a path that climbs out of it is an error;
// - wildcards (`*`, `?`, `[…]`) match within one path segment; one matching nothing copies nothing;
// - a directory source copies its contents; a symlink named as a source is followed (inside
//   the tree), symlinks met inside a copied directory stay links;
// - several sources (or a wildcard) need a directory destination ending in `/`;
// - the destination is a directory when it ends in `/`, the source is a directory, or it is a
//   directory in the image already; a relative destination is relative to WORKDIR;
// - files keep their mode unless --chmod; owner 0:0 unless --chown (created folders too).
import path from 'node:path/posix';
import type { FileContent, LayerEntry } from '@dfc/store';
import { pathPattern, segmentPattern } from './glob.js';

export interface TreeEntry {
  kind: 'file' | 'dir' | 'symlink';
  mode: number;
  size: number;
  /** Owner, where the tree keeps one (a stage's files); the build context's files are 0:0. */
  uid?: number;
  gid?: number;
  target?: string;
  /** Content digest of a file, when the tree knows it (the build context does). */
  digest?: string;
  /** Same for every name of a file with several (hard links), where the tree knows it. */
  inode?: string;
}

/** Where COPY reads from: the build context, or the root file system of a stage or image. */
export interface SourceTree {
  /** What a cleaned relative path (no leading `/`, `` for the root) is, without following a final link. */
  lookup(relPath: string): TreeEntry | undefined;
  /** The names in a directory, sorted. */
  list(relDir: string): string[];
  content(relPath: string, entry: TreeEntry): FileContent;
}

/** What the destination image already has at a path (following no links). */
export interface ImageView {
  lookup(relPath: string): { kind: 'file' | 'dir' | 'symlink' | 'other'; target?: string } | undefined;
}

export interface CopyRequest {
  sources: string[];
  destination: string;
  /** The image's working directory, absolute. */
  workdir: string;
  tree: SourceTree;
  image: ImageView;
  owner?: { uid: number; gid: number };
  /** --chmod, already parsed to permission bits. */
  chmod?: number;
  /** Docker's name for the instruction in errors: COPY or ADD. */
  instruction?: string;
  /** --exclude: patterns (as sources are written) of paths left out, with everything below them. */
  exclude?: string[];
  /** --parents: each source keeps its path (after a `/./` pivot, if it has one) below the destination. */
  parents?: boolean;
}

/** One copied file as the cache key sees it: where it came from and what it is. */
export interface CopyInput {
  source: string;
  kind: TreeEntry['kind'];
  mode: number;
  size: number;
  digest?: string;
  target?: string;
}

export type CopyResult = { ok: true; entries: LayerEntry[]; inputs: CopyInput[] } | { ok: false; error: string };

const MAX_LINK_HOPS = 255;

/** A source as resolved: `rel` names it (its base name names the copy); `at` is where links lead. */
export interface SourceMatch {
  rel: string;
  at: string;
  entry: TreeEntry;
  /** With --parents: the part of `rel` kept below the destination (after the `/./` pivot). */
  kept?: string;
}

export function planCopy(req: CopyRequest): CopyResult {
  const matches = resolveSources(req);
  if (!Array.isArray(matches)) return matches;
  // --parents: the destination is always a folder (each source lands at its own path below it).
  const written = req.parents ? { ...req, destination: req.destination.replace(/\/*$/, '/') } : req;
  const dest = resolveDestination(written, matches.length, matches.some((m) => m.entry.kind === 'dir'));
  if ('error' in dest) return { ok: false, error: dest.error };
  const out = new EntryList(req);
  const inputs: CopyInput[] = [];
  for (const match of matches) {
    if (req.parents && match.kept !== undefined) copyMatch(req.tree, match, { abs: path.join(dest.abs, match.kept), isDir: false }, out, inputs);
    else copyMatch(req.tree, match, dest, out, inputs);
  }
  return { ok: true, entries: out.entries(), inputs };
}

/** Resolves each source (wildcards expanded, links followed inside the tree). */
export function resolveSources(req: Pick<CopyRequest, 'sources' | 'tree' | 'instruction' | 'exclude' | 'parents'>): SourceMatch[] | { ok: false; error: string } {
  const what = req.instruction ?? 'COPY';
  const excluded = excludedBy(req.exclude);
  const matches: SourceMatch[] = [];
  const push = (match: SourceMatch, pivot: string): void => {
    if (excluded(match.rel)) return;
    if (req.parents) match.kept = pivot === '' ? match.rel : match.rel.slice(pivot.length + 1);
    matches.push(match);
  };
  for (const source of req.sources) {
    const cleaned = cleanSource(source);
    // --parents keeps what follows a `/./` in the source (BuildKit's pivot), else the whole path.
    const pivotAt = req.parents ? source.indexOf('/./') : -1;
    const pivot = pivotAt < 0 ? '' : cleanSource(source.slice(0, pivotAt)) ?? '';
    if (cleaned === undefined) return { ok: false, error: `${what} ${source}: the path is outside the build context` };
    if (hasWildcard(cleaned)) {
      // A wildcard that matches nothing copies nothing (BuildKit's AllowEmptyWildcard), as `COPY go.sum* ./` relies on.
      const found = expandWildcard(req.tree, cleaned);
      for (const rel of found) {
        const at = resolveInTree(req.tree, rel);
        const entry = at === undefined ? undefined : req.tree.lookup(at);
        if (at !== undefined && entry) push({ rel, at, entry }, pivot);
      }
      continue;
    }
    const at = resolveInTree(req.tree, cleaned);
    const entry = at === undefined ? undefined : req.tree.lookup(at);
    if (at === undefined || !entry) return { ok: false, error: `${what} ${source}: no such file or directory in the build context` };
    push({ rel: cleaned, at, entry }, pivot);
  }
  return matches;
}

export interface Destination {
  /** Absolute, resolved through the image's links. */
  abs: string;
  /** Whether a source lands inside it (rather than being written as it). */
  isDir: boolean;
}

/** Where the copies go. `count` sources; `anyDir` when one of them is a directory. */
export function resolveDestination(req: Pick<CopyRequest, 'destination' | 'workdir' | 'image' | 'instruction'>, count: number, anyDir = false): Destination | { error: string } {
  const endsWithSlash = /[/\\]$/.test(req.destination) || req.destination.endsWith('/.');
  if (count > 1 && !endsWithSlash) {
    return { error: `${req.instruction ?? 'COPY'}: when copying more than one source, the destination must be a directory and end with a / (got "${req.destination}")` };
  }
  // The destination is resolved through the image's symlinks, inside its root (as in a chroot).
  const lexical = path.resolve(req.workdir || '/', req.destination).slice(1);
  const parent = path.dirname(lexical) === '.' ? '' : path.dirname(lexical);
  const parentAt = resolveInTree(req.image, parent, true) ?? parent;
  let rel = parentAt ? `${parentAt}/${path.basename(lexical)}` : path.basename(lexical);
  if (lexical && req.image.lookup(rel)?.kind === 'symlink') rel = resolveInTree(req.image, rel, true) ?? rel;
  const existing = lexical === '' ? 'dir' : req.image.lookup(rel)?.kind;
  const isDir = endsWithSlash || count > 1 || anyDir || existing === 'dir';
  if (isDir && (existing === 'file' || existing === 'other')) {
    return { error: `${req.instruction ?? 'COPY'}: cannot copy into /${rel}: the image has a file there, not a directory (copy to another path, or remove it in an earlier step)` };
  }
  return { abs: '/' + rel, isDir };
}

/** Copies one resolved source into the layer. */
export function copyMatch(tree: SourceTree, match: SourceMatch, dest: Destination, out: EntryList, inputs: CopyInput[]): void {
  if (match.entry.kind === 'dir') {
    out.dir(dest.abs, 0o755);
    copyTree(tree, match.at, dest.abs, out, inputs);
  } else {
    const target = dest.isDir ? path.join(dest.abs, path.basename(match.rel)) : dest.abs;
    out.file(target, tree, match.at, match.entry);
    inputs.push(inputOf(match.at, match.entry));
  }
}

/**
 * Copies the contents of `relDir` of `tree` into `destDir`. Names of one file stay hard links
 * of each other (as BuildKit's copier keeps them); `links` maps an inode to its first copy.
 */
export function copyTree(tree: SourceTree, relDir: string, destDir: string, out: EntryList, inputs: CopyInput[], links = new Map<string, string>()): void {
  for (const name of tree.list(relDir)) {
    const rel = relDir ? `${relDir}/${name}` : name;
    if (out.excludes(rel)) continue;
    const entry = tree.lookup(rel);
    if (!entry) continue;
    const dest = path.join(destDir, name);
    inputs.push(inputOf(rel, entry));
    if (entry.kind === 'dir') {
      out.dir(dest, entry.mode, entry);
      copyTree(tree, rel, dest, out, inputs, links);
    } else if (entry.kind === 'symlink') {
      out.symlink(dest, entry.target ?? '', entry);
    } else if (entry.inode !== undefined && links.has(entry.inode)) {
      out.hardlink(dest, links.get(entry.inode)!);
    } else {
      if (entry.inode !== undefined) links.set(entry.inode, dest);
      out.file(dest, tree, rel, entry);
    }
  }
}

function inputOf(rel: string, e: TreeEntry): CopyInput {
  const input: CopyInput = { source: rel, kind: e.kind, mode: e.mode, size: e.size };
  if (e.digest) input.digest = e.digest;
  if (e.target !== undefined) input.target = e.target;
  return input;
}

/**
 * The layer entries, parents before children, each path once. Folders the image already has
 * are left out (their owner and mode stay as they are); folders COPY creates get the owner.
 * Copied entries get --chown's owner, else their own (a stage's files keep theirs), else 0:0.
 */
export class EntryList {
  private readonly byPath = new Map<string, LayerEntry>();
  /** Whether --exclude leaves out a path of the source tree. */
  readonly excludes: (rel: string) => boolean;

  constructor(private readonly req: Pick<CopyRequest, 'image' | 'owner' | 'chmod' | 'exclude'>) {
    this.excludes = excludedBy(req.exclude);
  }

  private owner(entry?: TreeEntry): { uid: number; gid: number } {
    return this.req.owner ?? { uid: entry?.uid ?? 0, gid: entry?.gid ?? 0 };
  }

  parents(abs: string): void {
    const parts = abs.split('/').filter(Boolean);
    for (let i = 1; i < parts.length; i++) this.created('/' + parts.slice(0, i).join('/'));
  }

  private created(dir: string): void {
    if (this.byPath.has(dir) || this.req.image.lookup(dir.slice(1))?.kind === 'dir') return;
    this.byPath.set(dir, { kind: 'dir', path: dir, mode: 0o755, ...this.owner() });
  }

  /** A copied folder (`source` given: --chmod applies) or a destination folder to create. */
  dir(abs: string, mode: number, source?: TreeEntry): void {
    this.parents(abs);
    if (abs === '/') return;
    if (!source) {
      this.created(abs);
      return;
    }
    this.byPath.set(abs, { kind: 'dir', path: abs, mode: this.req.chmod ?? mode, ...this.owner(source) });
  }

  file(abs: string, tree: SourceTree, rel: string, entry: TreeEntry): void {
    this.parents(abs);
    this.byPath.set(abs, { kind: 'file', path: abs, mode: this.req.chmod ?? entry.mode, content: tree.content(rel, entry), ...this.owner(entry) });
  }

  /** Another name for the file copied to `target` (an absolute path earlier in this layer). */
  hardlink(abs: string, target: string): void {
    this.parents(abs);
    this.byPath.set(abs, { kind: 'hardlink', path: abs, target: target.replace(/^\/+/, '') });
  }

  symlink(abs: string, target: string, entry: TreeEntry): void {
    this.parents(abs);
    this.byPath.set(abs, { kind: 'symlink', path: abs, target, ...this.owner(entry) });
  }

  entries(): LayerEntry[] {
    return [...this.byPath.values()];
  }
}

/** Whether a source-tree path falls under one of the --exclude patterns (or below a match). */
function excludedBy(patterns: string[] | undefined): (rel: string) => boolean {
  const res = (patterns ?? []).flatMap((p) => pathPattern(cleanSource(p) ?? p, { orBelow: true }) ?? []);
  return res.length === 0 ? () => false : (rel) => res.some((re) => re.test(rel));
}

/** `/a/./b/` → `a/b`; undefined when it climbs above the root. */
export function cleanSource(source: string): string | undefined {
  const parts: string[] = [];
  for (const part of source.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(part);
  }
  return parts.join('/');
}

function hasWildcard(p: string): boolean {
  return /[*?[]/.test(p);
}

/**
 * The path with every symlink resolved, clamped to the tree's root (as in a chroot), so no
 * link leads out of it. Undefined when a part does not exist, unless `allowMissing`: then the
 * missing rest is appended as it is (a destination that COPY will create).
 */
export function resolveInTree(
  tree: { lookup(rel: string): { kind: string; target?: string } | undefined },
  rel: string,
  allowMissing = false,
): string | undefined {
  let pending = rel.split('/').filter(Boolean);
  const done: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const candidate = [...done, part].join('/');
    const entry = tree.lookup(candidate);
    if (!entry) {
      if (!allowMissing) return undefined;
      done.push(part, ...pending.filter((p) => p !== '.' && p !== '..'));
      return done.join('/');
    }
    if (entry.kind === 'symlink') {
      if (++hops > MAX_LINK_HOPS) return undefined;
      const target = entry.target ?? '';
      pending = [...target.split('/').filter(Boolean), ...pending];
      if (target.startsWith('/')) done.length = 0;
      continue;
    }
    done.push(part);
  }
  return done.join('/');
}

/** Matches a wildcard path segment by segment against the tree. */
function expandWildcard(tree: SourceTree, pattern: string): string[] {
  let current = [''];
  for (const seg of pattern.split('/')) {
    const next: string[] = [];
    for (const dir of current) {
      if (!hasWildcard(seg)) {
        const rel = dir ? `${dir}/${seg}` : seg;
        if (tree.lookup(rel)) next.push(rel);
        continue;
      }
      const re = segmentPattern(seg);
      if (re === undefined) continue;
      const kind = dir === '' ? 'dir' : tree.lookup(dir)?.kind;
      if (kind !== 'dir') continue;
      for (const name of tree.list(dir)) if (re.test(name)) next.push(dir ? `${dir}/${name}` : name);
    }
    current = next;
  }
  return current.sort();
}

