// What the editor needs to know about names: the stages and the references to them, and
// which ARG or ENV a `$NAME` means at each instruction, with the value it expands to.
import { expandWord } from '@dfc/ir';
import type { FromInstruction, Instruction, Range, Word } from '@dfc/syntax';
import { sourceRange, type Analysis } from './analysis.js';

export interface Stage {
  index: number;
  /** The name after AS as written; undefined for an unnamed stage. */
  name: Word | undefined;
  from: FromInstruction;
  /** The instructions after FROM, up to the next FROM. */
  steps: Instruction[];
  /** From FROM to the end of the last step. */
  range: Range;
}

/** A place that names a stage: `FROM name`, `COPY --from=name`, `RUN --mount=…,from=name`. */
export interface StageReference {
  stage: Stage;
  kind: 'from' | 'copy' | 'mount';
  /** `--from=0`: the stage by its index, which a rename leaves alone. */
  byIndex: boolean;
  /** The name as written (quotes excluded). */
  range: Range;
  instruction: Instruction;
}

export interface VariableDefinition {
  name: string;
  kind: 'arg' | 'env';
  /** The name in its ARG or ENV instruction. */
  nameRange: Range;
  instruction: Instruction;
  /** The value as written; undefined for `ARG NAME` without a default. */
  written: string | undefined;
  /** The value after expansion; undefined when nothing in the file gives one. */
  value: string | undefined;
  /** Variables the value read that the file never sets (the base image or --build-arg may). */
  unsetReads: string[];
  /** For `ARG NAME` in a stage: the global ARG whose default it takes. */
  inherits: VariableDefinition | undefined;
  /** null for a global ARG (before the first FROM). */
  stage: number | null;
}

export interface Names {
  stages: Stage[];
  stageReferences: StageReference[];
  /** Global ARGs in source order. */
  globalArgs: VariableDefinition[];
  definitions: VariableDefinition[];
  /** The variables in scope where an instruction starts (before it takes effect). */
  scopeOf(instruction: Instruction): Scope;
}

/** The variables one instruction sees. */
export interface Scope {
  get(name: string): VariableDefinition | undefined;
  has(name: string): boolean;
  values(): VariableDefinition[];
}

/**
 * Every definition of each name in one stage (or the global ARGs), in order; a scope is a
 * position in that history. ENV wins over ARG, as in BuildKit. Cheap for files with thousands
 * of ARG/ENV lines, where a copied map per instruction would not be.
 */
class History {
  private readonly env = new Map<string, { at: number; def: VariableDefinition }[]>();
  private readonly args = new Map<string, { at: number; def: VariableDefinition }[]>();

  add(at: number, def: VariableDefinition): void {
    const table = def.kind === 'env' ? this.env : this.args;
    const list = table.get(def.name);
    if (list) list.push({ at, def });
    else table.set(def.name, [{ at, def }]);
  }

  /** The ENV in force at the end: what a stage built on this one starts with. */
  finalEnv(): VariableDefinition[] {
    return [...this.env.values()].map((list) => list[list.length - 1]!.def);
  }

  /** What an instruction at `position` sees: definitions from positions before it. */
  at(position: number): Scope {
    const last = (list: { at: number; def: VariableDefinition }[] | undefined) => {
      if (!list) return undefined;
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (list[mid]!.at < position) lo = mid + 1;
        else hi = mid;
      }
      return lo > 0 ? list[lo - 1]!.def : undefined;
    };
    const get = (name: string) => last(this.env.get(name)) ?? last(this.args.get(name));
    return {
      get,
      has: (name) => get(name) !== undefined,
      values: () => [...new Set([...this.args.keys(), ...this.env.keys()])].map(get).filter((d): d is VariableDefinition => d !== undefined),
    };
  }
}

const EMPTY_SCOPE: Scope = { get: () => undefined, has: () => false, values: () => [] };

/** BuildKit's predefined ARGs: global scope sees them; a stage sees them after `ARG NAME`. */
export const PREDEFINED_ARGS: readonly string[] = [
  'TARGETPLATFORM', 'TARGETOS', 'TARGETARCH', 'TARGETVARIANT',
  'BUILDPLATFORM', 'BUILDOS', 'BUILDARCH', 'BUILDVARIANT',
  'HTTP_PROXY', 'HTTPS_PROXY', 'FTP_PROXY', 'NO_PROXY', 'ALL_PROXY',
];

const namesCache = new WeakMap<Analysis, Names>();

export function namesOf(a: Analysis): Names {
  let names = namesCache.get(a);
  if (!names) {
    names = collectNames(a);
    namesCache.set(a, names);
  }
  return names;
}

/** BuildKit compares stage names without case. */
export function stageNamed(stages: readonly Stage[], name: string, before = Infinity): Stage | undefined {
  const lower = name.toLowerCase();
  return stages.find((s) => s.index < before && s.name?.value.toLowerCase() === lower);
}

/** What `--from=` and `from=` name: a stage by name, or by its index. FROM takes names only. */
function stageNamedOrNumbered(stages: readonly Stage[], name: string): Stage | undefined {
  return /^\d+$/.test(name) ? stages[Number(name)] : stageNamed(stages, name);
}

function collectNames(a: Analysis): Names {
  const escapeChar = a.ast.escapeChar;
  const stages: Stage[] = [];
  const preamble: Instruction[] = [];
  for (const node of a.ast.instructions) {
    if (node.name === 'FROM') {
      stages.push({ index: stages.length, name: node.stageName, from: node, steps: [], range: node.range });
    } else if (stages.length === 0) {
      preamble.push(node);
    } else {
      const stage = stages[stages.length - 1]!;
      stage.steps.push(node);
      stage.range = { start: stage.from.range.start, end: node.range.end };
    }
  }

  const scopes = new Map<Instruction, Scope>();
  const definitions: VariableDefinition[] = [];
  const expand = (written: string, scope: Scope): { value: string | undefined; unsetReads: string[] } => {
    const env = { get: (name: string) => scope.get(name)?.value };
    const result = expandWord(written, env, { escapeChar });
    const unsetReads = result.unset.filter((n) => !scope.has(n));
    return { value: result.ok ? result.value : undefined, unsetReads };
  };

  // Global ARGs: what FROM lines see.
  const globals = new History();
  preamble.forEach((node, position) => {
    const before = globals.at(position);
    scopes.set(node, before);
    if (node.name !== 'ARG') return;
    for (const decl of node.declarations) {
      const written = decl.value?.value;
      const { value, unsetReads } = written === undefined ? { value: undefined, unsetReads: [] } : expand(written, before);
      const def: VariableDefinition = {
        name: decl.name.value, kind: 'arg', nameRange: decl.name.range, instruction: node, written, value, unsetReads, inherits: undefined, stage: null,
      };
      definitions.push(def);
      globals.add(position, def);
    }
  });
  const global = globals.at(Infinity);
  const globalArgs = global.values();

  const histories: History[] = [];
  const stageReferences: StageReference[] = [];
  for (const stage of stages) {
    scopes.set(stage.from, global);
    // `FROM ${X}` may name a stage too once expanded; only a name as written is a reference.
    const image = stage.from.image?.value;
    const written = image !== undefined && !image.includes('$');
    const baseName = image === undefined ? undefined : written ? image : expand(image, global).value;
    const base = baseName === undefined ? undefined : stageNamed(stages, baseName, stage.index);
    if (base && written) stageReferences.push({ stage: base, kind: 'from', byIndex: false, range: stage.from.image!.range, instruction: stage.from });

    // A stage built on another starts with its ENV (not its ARGs).
    const history = new History();
    for (const def of base ? histories[base.index]!.finalEnv() : []) history.add(-1, def);
    histories.push(history);
    stage.steps.forEach((node, position) => {
      const before = history.at(position);
      scopes.set(node, before);
      if (node.name === 'ONBUILD' && node.trigger) scopes.set(node.trigger, before);
      if (node.name === 'ARG') {
        for (const decl of node.declarations) {
          const written = decl.value?.value;
          const inherits = written === undefined ? global.get(decl.name.value) : undefined;
          const { value, unsetReads } = written === undefined ? { value: inherits?.value, unsetReads: [] } : expand(written, before);
          const def: VariableDefinition = {
            name: decl.name.value, kind: 'arg', nameRange: decl.name.range, instruction: node, written, value, unsetReads, inherits, stage: stage.index,
          };
          definitions.push(def);
          history.add(position, def);
        }
      } else if (node.name === 'ENV') {
        // Every pair expands against the scope before the instruction, as BuildKit does.
        for (const pair of node.pairs) {
          const { value, unsetReads } = expand(pair.value.value, before);
          const def: VariableDefinition = {
            name: pair.key.value, kind: 'env', nameRange: pair.key.range, instruction: node, written: pair.value.value, value, unsetReads, inherits: undefined, stage: stage.index,
          };
          definitions.push(def);
          history.add(position, def);
        }
      }
      stageReferences.push(...referencesIn(a, node, stages, stage.index));
    });
  }

  return {
    stages,
    stageReferences,
    globalArgs,
    definitions,
    scopeOf: (instruction) => scopes.get(instruction) ?? EMPTY_SCOPE,
  };
}

function referencesIn(a: Analysis, node: Instruction, stages: readonly Stage[], current: number): StageReference[] {
  const found: StageReference[] = [];
  for (const flag of node.flags) {
    if (!flag.valueRange || flag.value === undefined) continue;
    if (node.name === 'COPY' && flag.name === 'from') {
      const stage = stageNamedOrNumbered(stages, flag.value);
      if (!stage || stage.index === current) continue;
      const range = unquoted(a, flag.valueRange, flag.value);
      if (range) found.push({ stage, kind: 'copy', byIndex: /^\d+$/.test(flag.value), range, instruction: node });
    } else if (node.name === 'RUN' && flag.name === 'mount') {
      const field = mountFromField(a, flag.valueRange);
      if (!field) continue;
      const stage = stageNamedOrNumbered(stages, field.value);
      if (stage && stage.index !== current) found.push({ stage, kind: 'mount', byIndex: /^\d+$/.test(field.value), range: field.range, instruction: node });
    }
  }
  return found;
}

/** The range of `value` inside a written word that may wrap it in quotes. */
function unquoted(a: Analysis, range: Range, value: string): Range | undefined {
  const written = a.text.slice(range.start.offset, range.end.offset);
  const at = written.indexOf(value);
  if (at < 0 || written.includes('\n')) return undefined;
  return shift(range, at, value.length);
}

/** The `from=` field of a `--mount` value as written (comma-separated key=value fields). */
function mountFromField(a: Analysis, range: Range): { value: string; range: Range } | undefined {
  const written = a.text.slice(range.start.offset, range.end.offset);
  if (written.includes('\n')) return undefined;
  let at = 0;
  for (const field of written.split(',')) {
    const m = /^(\s*["']?from=)([^"',\s]+)/i.exec(field);
    if (m) return { value: m[2]!, range: shift(range, at + m[1]!.length, m[2]!.length) };
    at += field.length + 1;
  }
  return undefined;
}

/** A sub-range on the same line, `length` units long from `start` units after the range's start. */
function shift(range: Range, start: number, length: number): Range {
  const s = range.start;
  return {
    start: { line: s.line, column: s.column + start, offset: s.offset + start },
    end: { line: s.line, column: s.column + start + length, offset: s.offset + start + length },
  };
}

export interface VariableUse {
  name: string;
  /** `$NAME` or `${NAME…}` up to the name's end. */
  range: Range;
  nameRange: Range;
}

/**
 * The `$NAME` / `${NAME}` under the cursor. A plain scan of the written text (the escape
 * character before `$` is honoured; quotes are not, since RUN's shell reads them its own way).
 */
export function variableUseAt(a: Analysis, instruction: Instruction, offset: number): VariableUse | undefined {
  const start = instruction.keywordRange.end.offset;
  const text = a.text.slice(start, instruction.range.end.offset);
  const pattern = /\$(\{)?([A-Za-z_][A-Za-z0-9_]*)/g;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    const at = start + m.index;
    if (at > offset) break;
    if (m.index > 0 && text[m.index - 1] === a.ast.escapeChar) continue;
    const end = at + m[0].length;
    if (offset > end) continue;
    const nameStart = end - m[2]!.length;
    return { name: m[2]!, range: sourceRange(a, at, end), nameRange: sourceRange(a, nameStart, end) };
  }
  return undefined;
}

/** The ARG or ENV definition a name in a definition's own position refers to. */
export function definitionAt(names: Names, offset: number): VariableDefinition | undefined {
  return names.definitions.find((d) => d.nameRange.start.offset <= offset && offset <= d.nameRange.end.offset);
}

/** The stage reference or stage name under the cursor. */
export function stageAt(names: Names, offset: number): { stage: Stage; range: Range; byIndex: boolean } | undefined {
  for (const ref of names.stageReferences) {
    if (ref.range.start.offset <= offset && offset <= ref.range.end.offset) return { stage: ref.stage, range: ref.range, byIndex: ref.byIndex };
  }
  for (const stage of names.stages) {
    const name = stage.name;
    if (name && name.range.start.offset <= offset && offset <= name.range.end.offset) return { stage, range: name.range, byIndex: false };
  }
  return undefined;
}
