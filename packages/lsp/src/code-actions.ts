// Code actions: the fixes diagnostics carry, and "ignore this rule here" as a comment above
// the instruction (`# hadolint ignore=DL…` for hadolint's codes, `# dfc ignore=…` for others).
import { DIAGNOSTIC_CODES, type Diagnostic } from '@dfc/syntax';
import { CodeActionKind, type CodeAction, type Range as LspRange, type TextEdit } from 'vscode-languageserver';
import { instructionAt, lineText, toLspRange, topLevelOf, type Analysis } from './analysis.js';
import { toLspDiagnostic } from './diagnostics.js';

export function codeActions(a: Analysis, uri: string, range: LspRange, only?: readonly string[]): CodeAction[] {
  const wanted = (kind: string) => !only || only.some((k) => k === '' || k === kind || kind.startsWith(k + '.'));
  const actions: CodeAction[] = [];
  const ignores: CodeAction[] = [];
  if (wanted(CodeActionKind.QuickFix)) {
    for (const d of a.diagnostics) {
      if (!overlaps(toLspRange(a, d.range), range)) continue;
      const lsp = toLspDiagnostic(a, d);
      if (d.fix) {
        actions.push({
          title: d.fix.title,
          kind: CodeActionKind.QuickFix,
          diagnostics: [lsp],
          isPreferred: true,
          edit: { changes: { [uri]: d.fix.edits.map((e) => ({ range: toLspRange(a, e.range), newText: e.newText })) } },
        });
      }
      const edit = ignoreEdit(a, d);
      if (edit && !ignores.some((x) => x.title === ignoreTitle(d))) {
        ignores.push({ title: ignoreTitle(d), kind: CodeActionKind.QuickFix, diagnostics: [lsp], edit: { changes: { [uri]: [edit] } } });
      }
    }
  }
  const all = wanted(CodeActionKind.SourceFixAll) ? fixAll(a, uri) : undefined;
  return [...actions, ...ignores, ...(all ? [all] : [])];
}

/** Every fix in the file at once, as `dfc lint --fix` would apply them (an edit overlapping an earlier one waits). */
export function fixAll(a: Analysis, uri: string): CodeAction | undefined {
  const edits = a.diagnostics.flatMap((d) => d.fix?.edits ?? []).sort((x, y) => x.range.start.offset - y.range.start.offset || x.range.end.offset - y.range.end.offset);
  const kept: TextEdit[] = [];
  let at = 0;
  for (const e of edits) {
    if (e.range.start.offset < at) continue;
    kept.push({ range: toLspRange(a, e.range), newText: e.newText });
    at = e.range.end.offset;
  }
  if (kept.length === 0) return undefined;
  return { title: 'Fix all auto-fixable problems (dfc)', kind: CodeActionKind.SourceFixAll, edit: { changes: { [uri]: kept } } };
}

function ignoreTitle(d: Diagnostic): string {
  return `Ignore ${d.code} for this instruction`;
}

function overlaps(x: LspRange, y: LspRange): boolean {
  const before = (p: LspRange['start'], q: LspRange['start']) => p.line < q.line || (p.line === q.line && p.character < q.character);
  return !before(x.end, y.start) && !before(y.end, x.start);
}

/** The comment that silences a diagnostic for its instruction, or undefined where none can. */
export function ignoreEdit(a: Analysis, d: Diagnostic): TextEdit | undefined {
  // A syntax error breaks the build whatever a comment says: nothing to ignore.
  const syntax = DIAGNOSTIC_CODES[d.code as keyof typeof DIAGNOSTIC_CODES];
  if (syntax && syntax.severity === 'error') return undefined;
  const found = instructionAt(a, d.range.start.offset);
  if (!found) return undefined;
  const instruction = topLevelOf(a, found);
  const tool = /^(DL|SC)\d+$/.test(d.code) ? 'hadolint' : 'dfc';
  const line = instruction.range.start.line - 1;
  const indent = /^\uFEFF?([ \t]*)/.exec(lineText(a, line))![1]!;

  // Extend an ignore comment of the same tool right above, rather than stacking another.
  if (line > 0) {
    const above = lineText(a, line - 1);
    const m = new RegExp(`^(\\s*#\\s*${tool}\\s+ignore=)([^\\s#]+)`).exec(above);
    if (m) {
      const codes = m[2]!.split(',');
      if (codes.includes(d.code)) return undefined;
      const at = m[1]!.length + m[2]!.length;
      return { range: { start: { line: line - 1, character: at }, end: { line: line - 1, character: at } }, newText: `,${d.code}` };
    }
  }
  const eol = a.text.includes('\r\n') ? '\r\n' : '\n';
  // After a byte-order mark, which must stay first.
  const start = { line, character: line === 0 && a.ast.bom ? 1 : 0 };
  return { range: { start, end: start }, newText: `${indent}# ${tool} ignore=${d.code}${eol}` };
}
