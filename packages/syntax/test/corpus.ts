// Where the shared corpora live (../shared/corpus beside the repository), and how a suite says
// plainly that it was skipped when they are absent (a fresh clone outside CI).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (tests run from packages/syntax/dist/test). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

export const corpusRoot = path.resolve(repoRoot, '..', 'shared', 'corpus');

/** The corpus directory, or undefined after printing why the suite is skipped. */
export function corpusDir(...parts: string[]): string | undefined {
  const dir = path.join(corpusRoot, ...parts);
  if (fs.existsSync(dir)) return dir;
  console.log(`      SKIPPED: corpus not found at ${dir}; these conformance tests did not run`);
  return undefined;
}
