// What a rule is: its metadata and a check over one file. Rules report through the context;
// lint.ts applies severities, suppressions and the config afterwards.
import { rangeIn, type CommandInstruction, type Dockerfile, type Fix, type Instruction, type InstructionName, type Range } from '@dfc/syntax';
import type { FileModel, Scope } from './model.js';
import { parseShell, type ShellScript } from './shell.js';
import type { BuildContextView, ImageLookup, LintConfig, RuleMeta } from './types.js';

export interface Finding {
  rule: string;
  range: Range;
  message: string;
  fix?: Fix;
}

export class RuleContext {
  readonly findings: Finding[] = [];
  private shells = new Map<Instruction, ShellScript | undefined>();
  /** What shared() made, by the function that made it. */
  private derived = new Map<(ctx: RuleContext) => unknown, unknown>();
  private kindIndex: KindIndex | undefined;
  /** Base images' platforms, when the caller can see them. */
  images: ImageLookup | undefined;

  constructor(
    readonly text: string,
    readonly ast: Dockerfile,
    readonly model: FileModel,
    readonly config: LintConfig,
    readonly context: BuildContextView | undefined,
  ) {}

  report(rule: string, range: Range, message: string, fix?: Fix): void {
    const f: Finding = { rule, range, message };
    if (fix) f.fix = fix;
    this.findings.push(f);
  }

  /** A range of the file by offsets (lines and columns from the parse's line map). */
  range(start: number, end: number): Range {
    return rangeIn(this.ast, start, end);
  }

  /**
   * Data several rules derive from the file, made once per file by `make` and kept with the
   * context (not in a module-level WeakMap: a young generation GC keeps an ephemeron's value
   * alive, so every file's tree would outlive its lint).
   */
  shared<T>(make: (ctx: RuleContext) => T): T {
    const made = this.derived.get(make);
    if (made !== undefined || this.derived.has(make)) return made as T;
    const value = make(this);
    this.derived.set(make, value);
    return value;
  }

  /**
   * The file's instructions of one kind, ONBUILD triggers included, in source order. Most rules
   * read one or two kinds: they visit those, not every instruction.
   */
  ofKind<N extends InstructionName>(name: N): readonly (Instruction & { name: N })[] {
    return (this.kinds().all.get(name) ?? NONE) as (Instruction & { name: N })[];
  }

  /**
   * The instructions of one kind in the stages' bodies, in source order: what ofKind() gives
   * without ONBUILD triggers and without what comes before the first FROM.
   */
  inStages<N extends InstructionName>(name: N): readonly (Instruction & { name: N })[] {
    const index = this.kinds();
    const all = index.all.get(name) ?? NONE;
    if (!index.mixed.has(name)) return all as (Instruction & { name: N })[];
    let list = index.inStages.get(name);
    if (!list) {
      list = all.filter((i) => !index.outside.has(i));
      index.inStages.set(name, list);
    }
    return list as (Instruction & { name: N })[];
  }

  /** The file's instructions by kind, made when a rule first asks (most rules ask: no shared() lookup). */
  private kinds(): KindIndex {
    return (this.kindIndex ??= instructionsByKind(this.ast));
  }

  scope(instr: Instruction): Scope {
    return this.model.scopeAt.get(instr) ?? this.model.globalScope;
  }

  /**
   * The shell commands of a shell-form RUN; undefined for exec form, heredocs or unparsable text.
   * Without `always`, a RUN that names no command any rule reads comes back with no commands.
   */
  shell(instr: CommandInstruction, always = false): ShellScript | undefined {
    if (this.shells.has(instr)) {
      const kept = this.shells.get(instr);
      if (kept !== UNREAD || !always) return kept;
    }
    let script: ShellScript | undefined;
    const text = runScriptText(instr);
    if (text !== undefined && (always || mayMatter(text))) script = parseShell(text, this.scope(instr));
    else if (text !== undefined) script = UNREAD;
    this.shells.set(instr, script);
    return script;
  }

  /**
   * The range of `needle` inside an instruction's text: the first match that stands as a word
   * (not inside a longer name) outside comment lines; else the instruction's first line.
   */
  locate(instr: Instruction, needle: string, after = 0): Range {
    const start = instr.range.start.offset;
    const t = instr.text;
    const word = needle.trim();
    for (let at = word ? t.indexOf(word, after) : -1; at >= 0; at = t.indexOf(word, at + 1)) {
      if (standsAsWord(t, word, at)) return this.range(start + at, start + at + word.length);
    }
    return firstLine(this, instr);
  }

  /**
   * The range of a command name in a RUN: the first match where a command starts (at the start of
   * the script, after `;`, `&&`, `|`, `(`, a newline, or `sudo`, `then`, `do`…), so that
   * `apt-get install wget && wget …` points at the second wget. Else what locate() finds.
   */
  locateCommand(instr: Instruction, name: string): Range {
    const t = instr.text;
    const word = name.trim();
    for (let at = word ? t.indexOf(word) : -1; at >= 0; at = t.indexOf(word, at + 1)) {
      if (standsAsWord(t, word, at) && startsCommand(t, at, this.model.escapeChar)) {
        const start = instr.range.start.offset;
        return this.range(start + at, start + at + word.length);
      }
    }
    return this.locate(instr, word);
  }
}

/** The match of `word` at `at` is not part of a longer name, nor on a comment line. */
function standsAsWord(t: string, word: string, at: number): boolean {
  const before = t[at - 1] ?? ' ';
  const next = t[at + word.length] ?? ' ';
  if ((/[\w.-]/.test(before) && /\w/.test(word[0]!)) || (/[\w-]/.test(next) && /\w/.test(word[word.length - 1]!))) return false;
  const lineStart = t.lastIndexOf('\n', at) + 1;
  return !(/^\s*#/.test(t.slice(lineStart, at + 1)) && lineStart > 0);
}

/** Words after which the next word is a command. */
const COMMAND_PREFIXES = new Set(['sudo', 'then', 'do', 'else', 'exec', 'time', 'nohup', 'env', 'xargs']);

/**
 * Whether a command starts at `at` of an instruction's text (what stands before it, blanks and
 * line continuations with the file's escape character skipped).
 */
function startsCommand(t: string, at: number, escape: string): boolean {
  let k = at;
  for (;;) {
    while (k > 0) {
      const c = t[k - 1];
      if (c === ' ' || c === '\t' || c === '\r') k--;
      else if (c === '\n' && t[k - 2] === escape) k -= 2;
      else if (c === '\n' && t[k - 2] === '\r' && t[k - 3] === escape) k -= 3;
      else break;
    }
    if (k === 0) return true;
    if (';&|({`!\n'.includes(t[k - 1]!)) return true;
    let s = k;
    while (s > 0 && !/\s/.test(t[s - 1]!)) s--;
    const token = t.slice(s, k);
    if (!token.startsWith('--')) return COMMAND_PREFIXES.has(token) || token.toUpperCase() === 'RUN';
    k = s; // a flag of RUN (--mount=…) or of the command before
  }
}

/** What shell() gives for a RUN no rule reads a command of: not parsed (shared; rules only read scripts). */
const UNREAD: ShellScript = { commands: [], written: 0, hasPipe: false };

const NONE: readonly Instruction[] = [];

interface KindIndex {
  /** Every instruction by kind, ONBUILD triggers included. */
  all: Map<string, Instruction[]>;
  /** ONBUILD triggers and the instructions before the first FROM (no stage's body holds them). */
  outside: Set<Instruction>;
  /** The kinds that have some of `outside`. */
  mixed: Set<string>;
  /** inStages() of the mixed kinds, made when asked. */
  inStages: Map<string, Instruction[]>;
}

function instructionsByKind(ast: Dockerfile): KindIndex {
  const index: KindIndex = { all: new Map(), outside: new Set(), mixed: new Set(), inStages: new Map() };
  let inStage = false;
  for (const i of ast.instructions) {
    if (i.name === 'FROM') inStage = true;
    else if (!inStage) outside(index, i);
    addToIndex(index.all, i);
    if (i.name === 'ONBUILD' && i.trigger) {
      addToIndex(index.all, i.trigger);
      outside(index, i.trigger);
    }
  }
  return index;
}

function outside(index: KindIndex, i: Instruction): void {
  if (i.name === undefined) return;
  index.outside.add(i);
  index.mixed.add(i.name);
}

function addToIndex(index: Map<string, Instruction[]>, i: Instruction): void {
  if (i.name === undefined) return;
  const list = index.get(i.name);
  if (list) list.push(i);
  else index.set(i.name, [i]);
}

/**
 * Only RUNs that mention a command some rule reads, or a pipe (`|`, `|&`; not `||`), are worth a
 * shell parse (the parser is the slow part of linting). This decides nothing: the rules read the
 * parsed commands. curl is left out: only DL4001 reads it, and only in a stage that uses wget, so
 * that rule asks for those RUNs itself.
 */
const MAY_MATTER = /(?<!\|)\|(?!\|)|\b(?:apt|apt-get|apk|pip3?|npm|yarn|gem|yum|dnf|microdnf|zypper|useradd|wget|sudo|cd|ssh|vim|nano|shutdown|service|ps|free|top|kill|mount|ifconfig)\b/;

function mayMatter(text: string): boolean {
  return MAY_MATTER.test(text) || (text.includes('/bin/sh') && /\bln\b/.test(text)) || (text.includes('install') && /\bgo\b/.test(text));
}

/** The shell text a RUN runs: the shell form, or a heredoc body given to the default shell. */
export function runScriptText(instr: CommandInstruction): string | undefined {
  if (instr.command?.form !== 'shell') return undefined;
  const cmd = instr.command.text.value;
  if (instr.heredocs.length > 0) {
    // `RUN <<EOF` runs the body with the shell; `RUN cmd <<EOF` feeds it to cmd's stdin.
    if (/^\s*<<-?\s*["']?\w+["']?\s*$/.test(cmd)) return instr.heredocs[0]!.content;
    return undefined;
  }
  return cmd;
}

export function firstLine(ctx: RuleContext, instr: Instruction): Range {
  const nl = instr.text.indexOf('\n');
  const start = instr.range.start.offset;
  const last = instr.range.end.offset;
  let end = nl >= 0 ? start + nl : last;
  if (end > last) end = last;
  if (instr.text[nl - 1] === '\r') end--;
  return ctx.range(start, end);
}

export interface Rule {
  meta: RuleMeta;
  check(ctx: RuleContext): void;
}
