// The build context as lint sees it: the files under a directory and its .dockerignore.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { BuildContextView } from '@dfc/lint';
import { createDockerignore, pathPattern } from '@dfc/engine';

const MAX_FILES = 200_000;

/** Reads a context directory once; lint then asks the view synchronously. */
export async function readContextView(root: string, dockerfile: string | undefined): Promise<BuildContextView> {
  const files: string[] = [];
  const dirs = new Set<string>(['.']);
  await walk(root, '', files, dirs);
  const ignore = await createDockerignore(root, dockerfile);
  return {
    exists(p) {
      const rel = p.replace(/^\/+/, '').replace(/\/+$/, '') || '.';
      if (dirs.has(rel) || files.includes(rel)) return true;
      if (!/[*?[\\]/.test(rel)) return false;
      const re = pathPattern(rel, { orBelow: true });
      return re !== undefined && (files.some((f) => re.test(f)) || [...dirs].some((d) => re.test(d)));
    },
    isIgnored: (p) => ignore.ignores(p.replace(/^\/+/, '').replace(/\/+$/, '')),
    list: () => [...files],
    ignorePatterns: () => [...ignore.patterns],
  };
}

async function walk(abs: string, rel: string, files: string[], dirs: Set<string>): Promise<void> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(path.join(abs, rel), { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (files.length >= MAX_FILES) return;
    const child = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (e.name === '.git') continue;
      dirs.add(child);
      await walk(abs, child, files, dirs);
    } else files.push(child);
  }
}
