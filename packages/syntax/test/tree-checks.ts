// Structural checks shared by the unit and property tests: the tree covers the text exactly,
// every range lies inside it, and nodes nest inside their parents.
import type { Dockerfile, Instruction, Range } from '../src/index.js';

function inside(inner: Range, outer: Range): boolean {
  return inner.start.offset >= outer.start.offset && inner.end.offset <= outer.end.offset && inner.start.offset <= inner.end.offset;
}

/** Problems found, as readable strings; empty when the tree is sound. */
export function treeProblems(ast: Dockerfile, text: string): string[] {
  const problems: string[] = [];
  let offset = 0;
  for (const child of ast.children) {
    if (child.range.start.offset < offset) problems.push(`${child.kind} at ${child.range.start.offset} overlaps the node before`);
    if (!text.startsWith(child.text, offset)) problems.push(`${child.kind} at ${offset}: its text is not the source there`);
    offset += child.text.length;
    if (child.range.end.offset > offset) problems.push(`${child.kind} range ends past its text`);
    if (child.kind === 'instruction') checkInstruction(child, child.range, problems);
  }
  if (offset !== text.length) problems.push(`children cover ${offset} of ${text.length} characters`);
  return problems;
}

function checkInstruction(node: Instruction, outer: Range, problems: string[]): void {
  const ranges: [string, Range | undefined][] = [
    ['keyword', node.keywordRange],
    ['args', node.args?.range],
    ...node.flags.flatMap((f): [string, Range | undefined][] => [['flag', f.range], ['flag name', f.nameRange], ['flag value', f.valueRange]]),
    ...node.argNodes.map((w): [string, Range] => ['arg node', w.range]),
    ...node.continuations.map((r): [string, Range] => ['continuation', r]),
    ...node.comments.map((c): [string, Range] => ['comment', c.range]),
    ...node.heredocs.flatMap((h): [string, Range][] => [['heredoc', h.range], ['heredoc marker', h.markerRange]]),
  ];
  for (const [what, range] of ranges) {
    if (range && !inside(range, outer)) {
      problems.push(`${what} ${range.start.offset}-${range.end.offset} is outside its instruction ${outer.start.offset}-${outer.end.offset}`);
    }
  }
  for (const [what, range] of ranges) {
    if (!range) continue;
    const { start, end } = range;
    if (start.line < 1 || start.column < 1 || end.line < start.line) problems.push(`${what} has a bad position`);
  }
  if (node.name === 'ONBUILD' && node.trigger) checkInstruction(node.trigger, node.range, problems);
}
