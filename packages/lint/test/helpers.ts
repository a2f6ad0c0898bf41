// Shared test helpers: lint a text and list what a user would see, and a fake build context.
import { lintText, type BuildContextView, type LintOptions } from '../src/index.js';

/** `line:col CODE` for each diagnostic, what `dfc lint` prints first on each finding. */
export function codes(text: string, options: LintOptions = {}): string[] {
  return lintText(text, options).diagnostics.map((d) => d.code);
}

export function fired(text: string, code: string, options: LintOptions = {}): boolean {
  return codes(text, options).includes(code);
}

/** A build context holding `files`, with `.dockerignore` patterns (simple globs: `*`, `**`). */
export function fakeContext(files: string[], ignore: string[] = []): BuildContextView {
  const re = (p: string) => new RegExp('^' + p.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*\*/g, '\u0000').replace(/\*/g, '[^/]*').replace(/\u0000/g, '.*') + '(/.*)?$');
  const ignores = ignore.map(re);
  return {
    exists: (p) => files.some((f) => f === p || f.startsWith(p + '/') || re(p).test(f)),
    isIgnored: (p) => ignores.some((r) => r.test(p)),
    list: () => files,
    ignorePatterns: () => ignore,
  };
}
