// What the rules read besides the AST: stages, the global ARGs, and the variables in scope at
// each instruction (names declared, values known). Computed once per file, cheaply, with @dfc/ir's
// word expansion, so that `FROM ${BASE}` and `apt-get install $PKG` are read the way a build reads them.
import type { ArgInstruction, Comment, Dockerfile, FromInstruction, Instruction, KeyValueInstruction, Word } from '@dfc/syntax';
import { DEFAULT_PATH } from '@dfc/ir';
import { expandWord, type EscapeChar, type Expansion } from '@dfc/ir';

/** The variables visible at one point. Immutable once built: instructions share it until ARG/ENV changes it. */
export class Scope {
  constructor(
    /** ENV values (undefined: set, value unknown). */
    readonly env: ReadonlyMap<string, string | undefined>,
    /** ARG values in scope (undefined: declared, no value known). */
    readonly args: ReadonlyMap<string, string | undefined>,
    /** True when the stage's base may set variables we cannot see (an image, not scratch). */
    readonly openBase: boolean,
    /**
     * The automatic platform ARGs are in scope beneath `args` (before the first FROM; a stage sees
     * them only once it declares them). Kept apart: every global ARG would copy them.
     */
    readonly platformArgs = false,
  ) {}

  /** A known value, else undefined. ENV wins over ARG, as in a build. */
  get(name: string): string | undefined {
    if (this.env.has(name)) return this.env.get(name);
    return this.args.has(name) || !this.platformArgs ? this.args.get(name) : PLATFORM_GLOBALS.get(name);
  }

  /** Whether an ARG of this name is in scope. */
  hasArg(name: string): boolean {
    return this.args.has(name) || (this.platformArgs && PLATFORM_GLOBALS.has(name));
  }

  /** The value of the ARG of this name, if known. */
  arg(name: string): string | undefined {
    return this.args.has(name) || !this.platformArgs ? this.args.get(name) : PLATFORM_GLOBALS.get(name);
  }

  declared(name: string): boolean {
    return this.env.has(name) || this.hasArg(name);
  }

  names(): readonly string[] {
    // Instructions share a scope, and rules ask it for names once per unknown variable.
    this.#names ??= [...new Set([...this.env.keys(), ...(this.platformArgs ? PLATFORM_GLOBALS.keys() : []), ...this.args.keys()])];
    return this.#names;
  }

  #names: readonly string[] | undefined;
}

export interface StageModel {
  index: number;
  from: FromInstruction;
  /** Lower-cased, as builds compare stage names. */
  name: string | undefined;
  /** The instructions after FROM, up to the next FROM. */
  body: Instruction[];
  /** The stage this one builds on (`FROM build`), if any. */
  baseStage: StageModel | undefined;
  /** The base image with global ARG defaults substituted; unknown references left as written. */
  image: string | undefined;
  /** False when the image name still holds a variable whose value is unknown. */
  imageKnown: boolean;
  /** The scope at the end of the stage (what a stage built on it inherits: its ENV). */
  finalScope: Scope;
}

export interface FileModel {
  escapeChar: EscapeChar;
  /**
   * The expansions the model made of ENV keys and values and ARG defaults holding a `$`, with the
   * scope before their instruction: a rule that expands one of those words reads it here.
   */
  expansions: Map<Word, Expansion<string>>;
  /** ARG instructions before the first FROM. */
  globalArgs: ArgInstruction[];
  /** Instructions other than ARG before the first FROM (a build rejects them). */
  beforeFrom: Instruction[];
  globalScope: Scope;
  stages: StageModel[];
  /** The scope in force when an instruction runs (before its own effect). */
  scopeAt: Map<Instruction, Scope>;
}

/** BuildKit's automatic platform ARGs, visible to FROM without a declaration. */
export const PLATFORM_ARGS = [
  'BUILDPLATFORM', 'BUILDOS', 'BUILDOSVERSION', 'BUILDARCH', 'BUILDVARIANT',
  'TARGETPLATFORM', 'TARGETOS', 'TARGETOSVERSION', 'TARGETARCH', 'TARGETVARIANT', 'TARGETSTAGE',
];

/** The values a build on linux/amd64 gives the automatic platform ARGs (dfc's default platform, as in @dfc/ir). */
const PLATFORM_DEFAULTS: Record<string, string | undefined> = {
  BUILDPLATFORM: 'linux/amd64', BUILDOS: 'linux', BUILDARCH: 'amd64', BUILDVARIANT: '',
  TARGETPLATFORM: 'linux/amd64', TARGETOS: 'linux', TARGETARCH: 'amd64', TARGETVARIANT: '',
};

/** The ARGs of every file before its first ARG: the platform ARGs. */
const PLATFORM_GLOBALS = new Map<string, string | undefined>(PLATFORM_ARGS.map((name) => [name, PLATFORM_DEFAULTS[name]]));

const EMPTY = new Map<string, string | undefined>();
/** Every stage on an image or scratch starts with PATH set (a build adds the default when the image has none). */
const BASE_ENV = new Map<string, string | undefined>([['PATH', DEFAULT_PATH]]);

export function buildModel(ast: Dockerfile): FileModel {
  const escapeChar = ast.escapeChar;
  const globalArgs: ArgInstruction[] = [];
  const beforeFrom: Instruction[] = [];
  const stages: StageModel[] = [];
  const scopeAt = new Map<Instruction, Scope>();
  const expansions = new Map<Word, Expansion<string>>();
  const options = { escapeChar };
  const expand = (w: Word, scope: Scope) => {
    const x = expandWord(w.value, scope, options);
    if (w.value.includes('$')) expansions.set(w, x);
    return x;
  };
  let globalScope = new Scope(EMPTY, EMPTY, false, true);
  let current: StageModel | undefined;
  let scope = globalScope;

  const finishStage = () => {
    if (current) current.finalScope = scope;
  };

  for (const instr of ast.instructions) {
    // Read once: every kind of instruction has its own shape, so each read is a slow lookup.
    const { name } = instr;
    if (name === 'FROM') {
      finishStage();
      globalScope = current ? globalScope : scope;
      current = newStage(instr, stages, globalScope, escapeChar);
      stages.push(current);
      scopeAt.set(instr, globalScope);
      const inherited = current.baseStage ? current.baseStage.finalScope.env : BASE_ENV;
      const openBase = current.baseStage ? current.baseStage.finalScope.openBase : current.image?.toLowerCase() !== 'scratch';
      scope = new Scope(inherited, EMPTY, openBase);
      continue;
    }
    scopeAt.set(instr, scope);
    if (current) {
      current.body.push(instr);
    } else if (name === 'ARG') {
      globalArgs.push(instr);
    } else {
      beforeFrom.push(instr);
    }
    if (name === 'ARG') scope = declareArgs(instr, scope, current ? globalScope : undefined, expand);
    else if (name === 'ENV') scope = setEnv(instr, scope, expand);
  }
  finishStage();
  if (!current) globalScope = scope;
  return { escapeChar, expansions, globalArgs, beforeFrom, globalScope, stages, scopeAt };
}

/**
 * The stage whose FROM or body holds the instruction; none for an ONBUILD trigger or what comes
 * before the first FROM. A search: few rules ask, about few instructions.
 */
export function stageOf(model: FileModel, instr: Instruction): StageModel | undefined {
  for (const s of model.stages) if (s.from === instr || s.body.includes(instr)) return s;
  return undefined;
}

function newStage(from: FromInstruction, stages: StageModel[], globals: Scope, escapeChar: EscapeChar): StageModel {
  const name = from.stageName ? from.stageName.value.toLowerCase() : undefined;
  let image: string | undefined;
  let imageKnown = false;
  if (from.image) {
    const x = expandWord(from.image.value, globals, { escapeChar, skipUnset: true });
    image = x.ok ? x.value : from.image.value;
    imageKnown = x.ok && x.read.every((n) => globals.get(n) !== undefined);
  }
  const lower = image?.toLowerCase();
  let baseStage: StageModel | undefined;
  if (lower !== undefined) for (let k = stages.length - 1; k >= 0 && !baseStage; k--) if (stages[k]!.name === lower) baseStage = stages[k];
  const stage: StageModel = { index: stages.length, from, name, body: [], baseStage, image, imageKnown, finalScope: globals };
  return stage;
}

type Expand = (w: Word, scope: Scope) => Expansion<string>;

function declareArgs(instr: ArgInstruction, scope: Scope, globals: Scope | undefined, expand: Expand): Scope {
  const args = new Map(scope.args);
  for (const d of instr.declarations) {
    const name = d.name.value;
    let value: string | undefined;
    if (d.value) {
      const x = expand(d.value, scope);
      value = x.ok && x.read.every((n) => scope.get(n) !== undefined) ? x.value : undefined;
    } else if (globals && globals.hasArg(name)) {
      // `ARG NAME` inside a stage takes the global ARG's default.
      value = globals.arg(name);
    }
    args.set(name, value);
  }
  return new Scope(scope.env, args, scope.openBase, scope.platformArgs);
}

function setEnv(instr: KeyValueInstruction, scope: Scope, expand: Expand): Scope {
  const env = new Map(scope.env);
  for (const p of instr.pairs) {
    const key = expand(p.key, scope);
    if (!key.ok) continue;
    const x = expand(p.value, scope);
    env.set(key.value, x.ok && x.read.every((n) => scope.get(n) !== undefined) ? x.value : undefined);
  }
  return new Scope(env, scope.args, scope.openBase, scope.platformArgs);
}

/** The comment lines directly above each instruction (no blank line between). */
export function commentsAbove(ast: Dockerfile): Map<Instruction, Comment[]> {
  const out = new Map<Instruction, Comment[]>();
  let block: Comment[] = [];
  for (const node of ast.children) {
    if (node.kind === 'comment') block.push(node);
    else if (node.kind === 'instruction') {
      if (block.length) out.set(node, block);
      block = [];
    } else if (node.kind === 'blank') {
      // Comment and instruction nodes hold their own newline, so a blank node with one is an empty line.
      if (node.text.includes('\n')) block = [];
    } else block = [];
  }
  return out;
}
