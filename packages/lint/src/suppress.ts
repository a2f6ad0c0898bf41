// What turns findings off: `# hadolint ignore=…` / `# dfc ignore=…` above an instruction (an
// optional reason may follow a second `#`), `# hadolint global ignore=…`, and BuildKit's
// `# check=skip=…;error=…;experimental=…` directive with its per-instruction form.
import type { Comment, Dockerfile, Instruction } from '@dfc/syntax';
import { commentsAbove, stageOf, type FileModel } from './model.js';

export interface CheckDirective {
  skipAll: boolean;
  skip: Set<string>;
  error: boolean;
  experimental: Set<string>;
  experimentalAll: boolean;
}

export interface Suppressions {
  /** Rules ignored in the whole file. */
  global: Set<string>;
  /** Rules ignored per instruction (the whole stage for a FROM with `# check=skip=`). */
  ranges: { start: number; end: number; rules: Set<string>; all: boolean }[];
  check: CheckDirective;
}

/** `text` is the file's text: a file that never says hadolint, dfc or check has no pragma to look for. */
export function readSuppressions(ast: Dockerfile, model: FileModel, usePragmas: boolean, text: string): Suppressions {
  const sup: Suppressions = { global: new Set(), ranges: [], check: parseCheck(ast.directives.find((d) => d.name === 'check')?.value ?? '') };
  if (!text.includes('hadolint') && !text.includes('dfc') && !text.includes('check')) return sup;
  // Most files have no comment that may be a pragma or a check directive: nothing to read then.
  let marked = false;
  for (const node of ast.children) {
    if (node.kind !== 'comment') continue;
    if (isPragma(node.value)) {
      marked = true;
      if (!usePragmas) continue;
      const g = /^(?:hadolint|dfc)\s+global\s+ignore\s*=\s*(.*)$/.exec(node.value);
      if (g) for (const id of ruleList(g[1]!)) sup.global.add(id);
    } else if (node.value.startsWith('check')) marked = true;
  }
  if (!marked) return sup;
  for (const [instr, comments] of commentsAbove(ast)) {
    const rules = new Set<string>();
    let all = false;
    for (const c of comments) {
      if (usePragmas && isPragma(c.value)) {
        const m = /^(?:hadolint|dfc)\s+ignore\s*=\s*(.*)$/.exec(c.value);
        if (m) for (const id of ruleList(m[1]!)) rules.add(id);
      }
      const check = checkComment(c);
      if (check) {
        if (check.skipAll) all = true;
        for (const id of check.skip) rules.add(id);
      }
    }
    if (rules.size === 0 && !all) continue;
    const end = instr.name === 'FROM' ? stageEnd(model, instr) : instr.range.end.offset;
    sup.ranges.push({ start: instr.range.start.offset, end, rules, all });
  }
  return sup;
}

/** `DL3008,DL3009 # reason` → the ids. */
function ruleList(text: string): string[] {
  const hash = text.indexOf('#');
  return (hash >= 0 ? text.slice(0, hash) : text).split(/[\s,]+/).filter(Boolean);
}

/** Whether a comment may be a `hadolint …` or `dfc …` pragma (most comments are not; the regexes say which). */
function isPragma(value: string): boolean {
  return value.startsWith('hadolint') || value.startsWith('dfc');
}

function checkComment(c: Comment): CheckDirective | undefined {
  if (!c.value.startsWith('check')) return undefined;
  const m = /^check\s*=\s*(\S*)/.exec(c.value);
  return m ? parseCheck(m[1]!) : undefined;
}

/** `skip=A,B;error=true;experimental=C`; BuildKit ignores the value after its first space. */
export function parseCheck(value: string): CheckDirective {
  const d: CheckDirective = { skipAll: false, skip: new Set(), error: false, experimental: new Set(), experimentalAll: false };
  if (value === '') return d; // most files have no check directive
  for (const part of value.trim().split(/\s/)[0]!.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim().toLowerCase();
    const list = part.slice(eq + 1).split(',').map((s) => s.trim()).filter(Boolean);
    if (key === 'skip') {
      for (const id of list) if (id === 'all') d.skipAll = true; else d.skip.add(id);
    } else if (key === 'error') d.error = /^(true|1)$/i.test(list[0] ?? '');
    else if (key === 'experimental') for (const id of list) if (id === 'all') d.experimentalAll = true; else d.experimental.add(id);
  }
  return d;
}

function stageEnd(model: FileModel, from: Instruction): number {
  const stage = stageOf(model, from);
  const last = stage?.body[stage.body.length - 1];
  return (last ?? from).range.end.offset;
}
