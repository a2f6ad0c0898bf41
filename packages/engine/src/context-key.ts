// What the cache key of a COPY or ADD says about its sources in the build context: one line per
// file, link or folder named (its digest and mode, its target, its mode). A folder copied whole
// is one line with its tree digest, so `COPY node_modules` keys on one line, not 100,000; the
// lines below it are kept apart (treeListing) to say which file changed.
import { entrySummary, type BuildContext } from './context.js';
import { resolveSources } from './copy.js';
import { pathPattern } from './glob.js';
import { contextTree } from './trees.js';

/** Context paths (patterns) → summaries for the cache key, after --exclude. */
export function contextFiles(ctx: BuildContext, paths: string[], exclude: string[]): Record<string, string> {
  const tree = contextTree(ctx);
  const out: Record<string, string> = {};
  const excluded = exclude.flatMap((p) => pathPattern(p, { orBelow: true }) ?? []);
  const add = (rel: string): void => {
    if (excluded.some((re) => re.test(rel))) return;
    const e = ctx.entries.get(rel);
    if (e) out[rel] = entrySummary(e);
  };
  for (const p of paths) {
    const matches = resolveSources({ sources: [p], tree });
    if (!Array.isArray(matches)) {
      out[p] = 'missing';
      continue;
    }
    for (const m of matches) {
      if (m.entry.kind !== 'dir') add(m.at);
      else if (excluded.length === 0) {
        const e = ctx.entries.get(m.at);
        out[m.at] = `${e ? entrySummary(e) : 'dir'} tree ${ctx.entries.tree(m.at)}`;
      } else {
        add(m.at);
        for (const rel of Object.keys(treeListing(ctx, m.at))) add(m.at === '' ? rel : `${m.at}/${rel}`);
      }
    }
  }
  return out;
}

/** Every entry below a context folder (`` for the root), by path relative to it → its key line. */
export function treeListing(ctx: BuildContext, dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (rel: string, shown: string): void => {
    for (const name of ctx.entries.list(rel)) {
      const full = rel === '' ? name : `${rel}/${name}`;
      const relative = shown === '' ? name : `${shown}/${name}`;
      const e = ctx.entries.get(full)!;
      out[relative] = entrySummary(e);
      if (e.kind === 'dir') visit(full, relative);
    }
  };
  visit(dir, '');
  return out;
}

/** A key line naming a whole folder: the folder's own line (`dir 755`, or `dir` for the root) and its tree digest. */
export function treeOfLine(line: string): { own: string; tree: string } | undefined {
  const m = /^(dir(?: [0-7]+)?) tree (sha256:[0-9a-f]{64})$/.exec(line);
  return m ? { own: m[1]!, tree: m[2]! } : undefined;
}
