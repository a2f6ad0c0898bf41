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
  const edits = formattingEdits(a);
  if (edits.length === 0) return [];
  const formatted = print({ ...a.ast, children: a.ast.children.map((node) => rewrite(node, edits)) });
  if (meaning(parse(formatted).ast) !== meaning(a.ast)) return [];
  return edits.map((e) => ({ range: toLspRange(a, e.range), newText: e.newText }));
}

/** The formatted text, for callers that want text rather than edits. */
export function formatText(a: Analysis): string {
  const edits = formattingEdits(a);
  const formatted = print({ ...a.ast, children: a.ast.children.map((node) => rewrite(node, edits)) });
  return meaning(parse(formatted).ast) === meaning(a.ast) ? formatted : a.text;
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

/** A node with the edits inside it applied to its text. */
function rewrite(node: TopLevel, edits: SourceEdit[]): TopLevel {
  const start = node.range.start.offset;
  const end = start + node.text.length;
  const inside = edits.filter((e) => e.range.start.offset >= start && e.range.end.offset <= end);
  if (inside.length === 0) return node;
  let text = '';
  let at = start;
  for (const e of inside) {
    text += node.text.slice(at - start, e.range.start.offset - start) + e.newText;
    at = e.range.end.offset;
  }
  text += node.text.slice(at - start);
  return { ...node, text } as TopLevel;
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
