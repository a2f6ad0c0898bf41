// A conservative formatter: upper-case instruction keywords (and AS in FROM), drop trailing
// blanks. Nothing else moves. Heredoc bodies and terminators are file content and stay as
// written. The result goes through the printer and is parsed again; if the instructions read
// differently in any way, no edit is offered.
import { parse, print, type Dockerfile, type Instruction, type Range, type TopLevel } from '@dfc/syntax';
import type { TextEdit } from 'vscode-languageserver';
import { sourceRange, toLspRange, type Analysis } from './analysis.js';

interface SourceEdit {
  range: Range;
  newText: string;
}

export function formatDocument(a: Analysis): TextEdit[] {
  const { ast, applied } = rewrite(a.ast, formattingEdits(a));
  if (applied.length === 0 || !sameMeaning(a, ast)) return [];
  return applied.map((e) => ({ range: toLspRange(a, e.range), newText: e.newText }));
}

/** The formatted text, for callers that want text rather than edits. */
export function formatText(a: Analysis): string {
  const { ast, applied } = rewrite(a.ast, formattingEdits(a));
  return applied.length > 0 && sameMeaning(a, ast) ? print(ast) : a.text;
}

function sameMeaning(a: Analysis, formatted: Dockerfile): boolean {
  return meaning(parse(print(formatted)).ast) === meaning(a.ast);
}

function formattingEdits(a: Analysis): SourceEdit[] {
  const edits: SourceEdit[] = [];
  const keyword = (node: Instruction) => {
    const upper = node.keyword.toUpperCase();
    // The keyword range spans continuations when a keyword is split over lines: leave those.
    if (node.name !== undefined && node.keyword !== upper && node.keywordRange.end.offset - node.keywordRange.start.offset === node.keyword.length) {
      edits.push({ range: node.keywordRange, newText: upper });
    }
  };
  const heredocLines = new Set<number>();
  for (const node of a.ast.instructions) {
    keyword(node);
    if (node.name === 'ONBUILD' && node.trigger) keyword(node.trigger);
    if (node.name === 'FROM' && node.asKeyword && node.asKeyword.value !== 'AS') edits.push({ range: node.asKeyword.range, newText: 'AS' });
    const heredocs = node.name === 'ONBUILD' && node.trigger ? [...node.heredocs, ...node.trigger.heredocs] : node.heredocs;
    for (const h of heredocs) for (let line = h.range.start.line; line <= h.range.end.line; line++) heredocLines.add(line);
  }
  const pattern = /[ \t]+(?=\r?\n|$)/g;
  for (let m = pattern.exec(a.text); m; m = pattern.exec(a.text)) {
    const start = m.index;
    const end = start + m[0].length;
    const range = sourceRange(a, start, end);
    if (!heredocLines.has(range.start.line)) edits.push({ range, newText: '' });
  }
  return edits.sort((x, y) => x.range.start.offset - y.range.start.offset);
}

/** The tree with the edits (sorted) applied to its nodes' text; an edit across two nodes is dropped. */
function rewrite(ast: Dockerfile, edits: SourceEdit[]): { ast: Dockerfile; applied: SourceEdit[] } {
  const applied: SourceEdit[] = [];
  let next = 0;
  const children = ast.children.map((node): TopLevel => {
    const start = node.range.start.offset;
    const end = start + node.text.length;
    let text = '';
    let at = start;
    let changed = false;
    for (; next < edits.length && edits[next]!.range.start.offset < end; next++) {
      const e = edits[next]!;
      if (e.range.start.offset < at || e.range.end.offset > end) continue;
      text += node.text.slice(at - start, e.range.start.offset - start) + e.newText;
      at = e.range.end.offset;
      changed = true;
      applied.push(e);
    }
    return !changed ? node : ({ ...node, text: text + node.text.slice(at - start) } as TopLevel);
  });
  return { ast: { ...ast, children }, applied };
}

/** What the build sees of each instruction: name, flags, BuildKit's argument nodes, heredocs. */
function meaning(ast: Dockerfile): string {
  const one = (i: Instruction): unknown => [
    i.name ?? i.keyword,
    i.flags.map((f) => f.text),
    // AS is a keyword, compared without case as BuildKit does.
    i.name === 'FROM' ? [i.image?.value, i.stageName?.value, i.asKeyword?.value.toUpperCase()] : i.argNodes.map((w) => w.value),
    i.heredocs.map((h) => [h.name, h.content, h.chomp, h.expand]),
    i.name === 'ONBUILD' && i.trigger ? one(i.trigger) : null,
  ];
  return JSON.stringify([ast.escapeChar, ast.directives.map((d) => [d.name, d.value]), ast.instructions.map(one)]);
}
