// Folding ranges: stages, instructions over several lines, heredoc bodies, comment blocks.
import { FoldingRangeKind, type FoldingRange } from 'vscode-languageserver';
import type { Analysis } from './analysis.js';
import { namesOf } from './names.js';

export function foldingRanges(a: Analysis): FoldingRange[] {
  // One range per start line (editors keep one), the longest; lines are 0-based here.
  const byStart = new Map<number, FoldingRange>();
  const add = (startLine: number, endLine: number, kind?: string) => {
    if (endLine <= startLine) return;
    const seen = byStart.get(startLine);
    if (seen && seen.endLine >= endLine) return;
    byStart.set(startLine, kind ? { startLine, endLine, kind } : { startLine, endLine });
  };

  for (const stage of namesOf(a).stages) add(stage.range.start.line - 1, stage.range.end.line - 1);
  for (const node of a.ast.instructions) {
    add(node.range.start.line - 1, node.range.end.line - 1);
    for (const heredoc of node.heredocs) add(heredoc.markerRange.start.line - 1, heredoc.range.end.line - 1);
  }

  // Runs of comment lines on consecutive lines (directives included) at the top level.
  let run: { start: number; end: number } | undefined;
  const flush = () => {
    if (run) add(run.start, run.end, FoldingRangeKind.Comment);
    run = undefined;
  };
  for (const node of a.ast.children) {
    if (node.kind === 'comment' || node.kind === 'directive') {
      const line = node.range.start.line - 1;
      if (run && line === run.end + 1) run.end = line;
      else {
        flush();
        run = { start: line, end: line };
      }
    }
  }
  flush();
  return [...byStart.values()].sort((x, y) => x.startLine - y.startLine);
}
