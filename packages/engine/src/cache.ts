// The build cache: records `(parent key, op digest, inputs) → result`, one file per key, kept
// beside the OCI layout (`.dfc/cache/`), never inside blobs. The layers a record names are kept
// alive for `dfc prune` as a store root. A second index remembers, per step of a Dockerfile, the
// inputs of its last build, so a miss can say what changed.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { canonicalJSON } from '@dfc/ir';
import { setRoots, type Descriptor, type Digest, type Store } from '@dfc/store';
import { treeOfLine } from './context-key.js';

export interface CacheResult {
  /** The layer the step added, or null when it added none. */
  layer: { diffId: Digest; descriptor: Descriptor } | null;
}

/** What went into a key, kept to explain the next miss. */
export interface KeyParts {
  parent: string | null;
  op: string;
  /** The instruction as written, for messages. */
  instruction: string;
  args: Record<string, string>;
  inputs: string[];
  /** Context path → its key line (contextFiles): a file's digest and mode, a link's target, a folder's tree digest. */
  files: Record<string, string>;
  base: string | null;
}

export function keyOf(parts: KeyParts): string {
  const { instruction: _instruction, ...hashed } = parts;
  return `sha256:${createHash('sha256').update(canonicalJSON({ v: 1, ...hashed })).digest('hex')}`;
}

export class BuildCache {
  private constructor(
    private readonly store: Store,
    private readonly dir: string,
  ) {}

  static async open(store: Store): Promise<BuildCache> {
    const dir = path.join(store.recordsDir, 'cache');
    await fs.mkdir(path.join(dir, 'records'), { recursive: true });
    await fs.mkdir(path.join(dir, 'steps'), { recursive: true });
    await fs.mkdir(path.join(dir, 'trees'), { recursive: true });
    return new BuildCache(store, dir);
  }

  private recordFile(key: string): string {
    return path.join(this.dir, 'records', `${key.slice('sha256:'.length)}.json`);
  }

  async get(key: string): Promise<CacheResult | undefined> {
    let record: CacheResult;
    try {
      record = JSON.parse(await fs.readFile(this.recordFile(key), 'utf8')) as CacheResult;
    } catch {
      return undefined;
    }
    // A record whose layer blob is gone (pruned, or a damaged store) is no hit.
    if (record.layer && !(await this.store.hasBlob(record.layer.descriptor.digest))) return undefined;
    return record;
  }

  async put(key: string, result: CacheResult): Promise<void> {
    // One root record per cache record keeps its layer alive through `dfc prune`.
    if (result.layer) await setRoots(this.store, `cache-${key.slice(7)}`, [result.layer.descriptor.digest]);
    await writeAtomic(this.recordFile(key), JSON.stringify(result));
  }

  /** The inputs of the last build of a step (by Dockerfile and step position). */
  async lastParts(stepId: string): Promise<KeyParts | undefined> {
    try {
      return JSON.parse(await fs.readFile(this.stepFile(stepId), 'utf8')) as KeyParts;
    } catch {
      return undefined;
    }
  }

  /**
   * Remembers a step's inputs for the next miss to explain; a folder copied whole is one line in
   * them, and its listing (what is below it) is kept once per tree digest. The listings the
   * step's last inputs named and these do not are removed, so they do not pile up (a step
   * elsewhere copying the same folder then names the folder, not the file, on its next miss).
   */
  async rememberParts(stepId: string, parts: KeyParts, listing?: (dir: string) => Record<string, string>): Promise<void> {
    const text = JSON.stringify(parts);
    const file = this.stepFile(stepId);
    const lastText = await fs.readFile(file, 'utf8').catch(() => undefined);
    const trees = new Set(Object.values(parts.files).flatMap((line) => treeOfLine(line)?.tree ?? []));
    if (listing) {
      for (const [dir, line] of Object.entries(parts.files)) {
        const tree = treeOfLine(line)?.tree;
        if (tree === undefined) continue;
        const treeFile = this.treeFile(tree);
        if (!(await fs.access(treeFile).then(() => true, () => false))) await writeAtomic(treeFile, JSON.stringify(listing(dir)));
      }
    }
    // A no-op build reads the step's record and writes nothing.
    if (lastText === text) return;
    await writeAtomic(file, text);
    if (lastText === undefined) return;
    try {
      const last = JSON.parse(lastText) as KeyParts;
      for (const line of Object.values(last.files)) {
        const tree = treeOfLine(line)?.tree;
        if (tree !== undefined && !trees.has(tree)) await fs.rm(this.treeFile(tree), { force: true });
      }
    } catch {
      // A damaged record names no listing.
    }
  }

  /**
   * Why a step missed, from its inputs against those of its last build. A folder whose tree
   * digest changed is compared file by file, with the listing kept for the old digest.
   */
  async whyMissed(stepId: string, parts: KeyParts, listing: (dir: string) => Record<string, string>): Promise<string> {
    const last = await this.lastParts(stepId);
    if (!last) return missReason(parts, undefined, false);
    const now = { ...parts, files: { ...parts.files } };
    const before = { ...last, files: { ...last.files } };
    for (const [file, line] of Object.entries(parts.files)) {
      const was = last.files[file];
      const tree = treeOfLine(line);
      const lastTree = was === undefined ? undefined : treeOfLine(was);
      if (was === line || !tree || !lastTree) continue;
      const lastListing = await this.treeListing(lastTree.tree);
      if (!lastListing) continue;
      const prefix = file === '' ? '' : `${file}/`;
      now.files[file] = tree.own;
      before.files[file] = lastTree.own;
      for (const [rel, l] of Object.entries(listing(file))) now.files[prefix + rel] = l;
      for (const [rel, l] of Object.entries(lastListing)) before.files[prefix + rel] = l;
    }
    return missReason(now, before, false);
  }

  private async treeListing(tree: string): Promise<Record<string, string> | undefined> {
    try {
      return JSON.parse(await fs.readFile(this.treeFile(tree), 'utf8')) as Record<string, string>;
    } catch {
      return undefined;
    }
  }

  private treeFile(tree: string): string {
    return path.join(this.dir, 'trees', `${tree.slice('sha256:'.length)}.json`);
  }

  private stepFile(stepId: string): string {
    return path.join(this.dir, 'steps', `${createHash('sha256').update(stepId).digest('hex').slice(0, 32)}.json`);
  }
}

/** Why a step missed, from what changed since its last build. */
export function missReason(now: KeyParts, last: KeyParts | undefined, parentCached: boolean): string {
  if (!last) return 'not built before';
  if (now.base !== last.base) return `the base image changed (${last.base ?? 'none'} → ${now.base ?? 'none'})`;
  const args = new Set([...Object.keys(now.args), ...Object.keys(last.args)]);
  for (const name of [...args].sort()) {
    if (now.args[name] !== last.args[name]) return `build arg ${name} changed (${last.args[name] ?? 'unset'} → ${now.args[name] ?? 'unset'})`;
  }
  const files = new Set([...Object.keys(now.files), ...Object.keys(last.files)]);
  const changed = [...files].sort().filter((f) => now.files[f] !== last.files[f]);
  if (changed.length > 0) {
    const describe = (f: string): string => (last.files[f] === undefined ? `${f} (new)` : now.files[f] === undefined ? `${f} (removed)` : f);
    return `${changed.length === 1 ? 'file' : 'files'} changed: ${changed.slice(0, 5).map(describe).join(', ')}${changed.length > 5 ? `, and ${changed.length - 5} more` : ''}`;
  }
  if (now.op !== last.op) return last.instruction === now.instruction ? 'the instruction changed (its expanded arguments differ)' : `the instruction changed (was: ${last.instruction})`;
  if (now.inputs.join() !== last.inputs.join()) return 'a stage it copies from changed';
  if (now.parent !== last.parent) return parentCached ? 'the step before it was built differently before' : 'the step before it changed';
  return 'its cache record is gone (pruned, or --no-cache)';
}

async function writeAtomic(file: string, data: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await fs.writeFile(tmp, data);
  await fs.rename(tmp, file);
}
