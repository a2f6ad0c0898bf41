// applyFixes: the text with every diagnostic's fix applied, skipping edits that overlap an earlier one.
import type { Diagnostic, TextEdit } from '@dfc/syntax';

export function applyFixes(text: string, diagnostics: readonly Diagnostic[]): string {
  const edits: TextEdit[] = [];
  for (const d of diagnostics) if (d.fix) edits.push(...d.fix.edits);
  edits.sort((a, b) => a.range.start.offset - b.range.start.offset || a.range.end.offset - b.range.end.offset);
  let out = '';
  let at = 0;
  for (const e of edits) {
    if (e.range.start.offset < at) continue;
    out += text.slice(at, e.range.start.offset) + e.newText;
    at = e.range.end.offset;
  }
  return out + text.slice(at);
}

/**
 * Lints and applies the fixes until nothing changes (a fix can uncover another: `from x as y`
 * becomes `FROM x as y`, then `FROM x AS y`). At most a few rounds.
 */
export function fixText(text: string, lint: (text: string) => readonly Diagnostic[]): string {
  let current = text;
  for (let round = 0; round < 5; round++) {
    const next = applyFixes(current, lint(current));
    if (next === current) break;
    current = next;
  }
  return current;
}
