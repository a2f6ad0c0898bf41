// .dockerignore with Docker's semantics (via @balena/dockerignore, which follows Docker's
// pattern rules): `<Dockerfile>.dockerignore` beside the Dockerfile wins over the context's
// .dockerignore; `!pattern` re-includes, even under an excluded folder.
import fs from 'node:fs/promises';
import path from 'node:path';
import dockerignore from '@balena/dockerignore';
import { segmentPattern } from './glob.js';

export interface Dockerignore {
  /** The file the patterns came from, if any. */
  file: string | undefined;
  patterns: string[];
  /** Whether a context path (relative, `/`-separated) is excluded. */
  ignores(relPath: string): boolean;
  /** Whether some `!pattern` could re-include a path below this excluded folder. */
  mayReinclude(relDir: string): boolean;
  /**
   * Paths excluded with all they hold, for the walk to skip: the patterns that name one path
   * (no wildcards), when none re-includes (`.git`, `node_modules`).
   */
  prunable: string[];
}

export async function createDockerignore(root: string, dockerfile?: string): Promise<Dockerignore> {
  const candidates = [...(dockerfile ? [`${path.resolve(root, dockerfile)}.dockerignore`] : []), path.join(root, '.dockerignore')];
  for (const file of candidates) {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new Error(`${file}: ${(err as Error).message}`);
    }
    return dockerignoreFromText(text, file);
  }
  return dockerignoreFromText('', undefined);
}

export function dockerignoreFromText(text: string, file: string | undefined): Dockerignore {
  const patterns = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  // A CommonJS module: its default export arrives as the namespace's `default`.
  const matcher = dockerignore.default().add(patterns);
  const reincludes = patterns.filter((p) => p.startsWith('!')).map((p) => segments(p.slice(1)));
  const prunable =
    reincludes.length > 0
      ? []
      : patterns.flatMap((p) => {
          const parts = segments(p);
          return parts.length > 0 && parts.every((s) => s !== '..' && /^[A-Za-z0-9._@+-]+$/.test(s)) ? [parts.join('/')] : [];
        });
  return {
    file,
    patterns,
    // No patterns (the usual case): no need to ask the matcher about every file of the context.
    ignores: patterns.length === 0 ? () => false : (relPath) => matcher.ignores(relPath),
    mayReinclude: (relDir) => reincludes.some((pattern) => couldMatchBelow(pattern, segments(relDir))),
    prunable,
  };
}

function segments(p: string): string[] {
  return p.split('/').filter((s) => s !== '' && s !== '.');
}

/** Whether a pattern's leading segments can match the folder `dir`, so it may match below it. */
function couldMatchBelow(pattern: string[], dir: string[]): boolean {
  for (let i = 0; i < dir.length; i++) {
    const seg = pattern[i];
    if (seg === undefined) return false;
    if (seg.includes('**')) return true;
    if (!segmentPattern(seg)?.test(dir[i]!)) return false;
  }
  return true;
}
