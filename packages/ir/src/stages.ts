// Stages as BuildKit sets them up before running any step: the global ARGs, each FROM
// expanded against them, the stage each FROM, COPY --from and RUN --mount from= names, the
// target, stage cycles, and which stages the target needs.
import { parse, type ArgInstruction, type Diagnostic, type Dockerfile, type Flag, type FromInstruction, type Instruction, type Range } from '@dfc/syntax';
import type { BaseImageConfigs, ContainerConfig } from './config.js';
import { expandWord, type EscapeChar } from './expand.js';
import { irDiagnostic } from './diagnostics.js';
import { formatPlatform, parsePlatform, type Platform } from './platform.js';
import { parseImageReference } from './reference.js';
import type { StageBase } from './plan.js';
import { wordRange } from './ranges.js';

export interface StageHeader {
  index: number;
  /** Lower-cased; null when FROM has no AS. */
  name: string | null;
  from: FromInstruction;
  /** The instructions after FROM, up to the next FROM. */
  instructions: Instruction[];
  base: StageBase;
  /** From --platform, else the base stage's, else the target platform. */
  platform: Platform;
  /** The base image's config, when the caller gave it. */
  imageConfig: ContainerConfig | undefined;
  /** The base image's ONBUILD triggers, parsed; they run first. */
  imageTriggers: Instruction[];
}

/** A stage or image that COPY --from or RUN --mount from= names. */
export type FromTarget = { kind: 'stage'; stage: number } | { kind: 'image'; ref: string; normalized: string };

export interface StageSetup {
  escapeChar: EscapeChar;
  /** Global ARGs and the predefined platform ARGs: what FROM lines see, and what a bare `ARG X` in a stage inherits. */
  globalArgs: Map<string, string>;
  stages: StageHeader[];
  /** Stage dependencies other than the base, per stage index, in source order. */
  references: StageReference[][];
  /** Build args an ARG declared (the global ones; stages add theirs while dispatching). */
  usedArgs: Set<string>;
  diagnostics: Diagnostic[];
}

export interface StageReference {
  /** The COPY or RUN instruction (possibly an ONBUILD trigger of the base stage). */
  instruction: Instruction;
  flag: Flag;
  value: string;
  range: Range;
  kind: 'copy' | 'mount';
  target: FromTarget | undefined;
}

export interface SetupOptions {
  buildArgs: ReadonlyMap<string, string>;
  buildPlatform: Platform;
  targetPlatform: Platform;
  baseImageConfig?: BaseImageConfigs | undefined;
}

/** BuildKit's predefined platform ARGs; a --build-arg of the same name overrides the value. */
export function platformArgs(build: Platform, target: Platform): [string, string][] {
  return [
    ['BUILDPLATFORM', formatPlatform(build)],
    ['BUILDOS', build.os],
    ['BUILDARCH', build.architecture],
    ['BUILDVARIANT', build.variant ?? ''],
    ['TARGETPLATFORM', formatPlatform(target)],
    ['TARGETOS', target.os],
    ['TARGETARCH', target.architecture],
    ['TARGETVARIANT', target.variant ?? ''],
  ];
}

export function setUpStages(ast: Dockerfile, options: SetupOptions): StageSetup {
  const escapeChar = ast.escapeChar;
  const diagnostics: Diagnostic[] = [];
  const usedArgs = new Set<string>();
  const globalArgs = new Map<string, string>();
  for (const [name, value] of platformArgs(options.buildPlatform, options.targetPlatform)) {
    const given = options.buildArgs.get(name);
    if (given !== undefined) usedArgs.add(name);
    globalArgs.set(name, given ?? value);
  }

  const stages: StageHeader[] = [];
  const byName = new Map<string, number>();
  let current: StageHeader | undefined;
  for (const node of ast.instructions) {
    if (node.name === 'FROM') {
      current = setUpStage(node, stages, byName, globalArgs, options, escapeChar, diagnostics);
      stages.push(current);
      continue;
    }
    if (current) current.instructions.push(node);
    else if (node.name === 'ARG') declareGlobalArgs(node, globalArgs, options.buildArgs, usedArgs, escapeChar, diagnostics);
    else if (node.name !== undefined) {
      diagnostics.push(irDiagnostic('IR001', `${node.name} before the first FROM: only ARG may come before it (no build stage in current context)`, node.keywordRange));
    }
  }

  const references = stages.map((stage) => stageReferences(stage, stages, byName, diagnostics));
  return { escapeChar, globalArgs, stages, references, usedArgs, diagnostics };
}

function declareGlobalArgs(
  node: ArgInstruction,
  globalArgs: Map<string, string>,
  buildArgs: ReadonlyMap<string, string>,
  usedArgs: Set<string>,
  escapeChar: EscapeChar,
  diagnostics: Diagnostic[],
): void {
  for (const decl of node.declarations) {
    const name = decl.name.value;
    const given = buildArgs.get(name);
    if (given !== undefined) {
      usedArgs.add(name);
      globalArgs.set(name, given);
    } else if (decl.value) {
      const result = expandWord(decl.value.value, globalArgs, { escapeChar });
      if (result.ok) globalArgs.set(name, result.value);
      else diagnostics.push(irDiagnostic('IR002', result.error.message, wordRange(decl.value, result.error)));
    }
  }
}

function setUpStage(
  node: FromInstruction,
  stages: StageHeader[],
  byName: Map<string, number>,
  globalArgs: Map<string, string>,
  options: SetupOptions,
  escapeChar: EscapeChar,
  diagnostics: Diagnostic[],
): StageHeader {
  const index = stages.length;
  const name = node.stageName ? node.stageName.value.toLowerCase() : null;
  let base: StageBase = { kind: 'scratch' };
  let platform: Platform | undefined;

  const platformFlag = node.flags.find((f) => f.name === 'platform');
  if (platformFlag?.value !== undefined) {
    const range = platformFlag.valueRange ?? platformFlag.range;
    const result = expandWord(platformFlag.value, globalArgs, { escapeChar });
    if (!result.ok) diagnostics.push(irDiagnostic('IR002', `--platform: ${result.error.message}`, range));
    else if (result.value === '') diagnostics.push(irDiagnostic('IR005', `--platform=${platformFlag.value} expands to nothing`, range));
    else {
      platform = parsePlatform(result.value);
      if (!platform) diagnostics.push(irDiagnostic('IR005', `"${result.value}" is not a platform (use os/arch[/variant], e.g. linux/arm64)`, range));
    }
  }

  if (node.image) {
    const result = expandWord(node.image.value, globalArgs, { escapeChar });
    if (!result.ok) diagnostics.push(irDiagnostic('IR002', result.error.message, wordRange(node.image, result.error)));
    else if (result.value === '') {
      const hint = result.unset.length > 0 ? ` (${result.unset.join(', ')} unset: declare it with ARG before the first FROM, or pass --build-arg)` : '';
      diagnostics.push(irDiagnostic('IR003', `base name (${node.image.value}) should not be blank${hint}`, node.image.range));
    } else {
      // As BuildKit: a stage is only found among the earlier ones, by its exact name.
      const baseStage = byName.get(result.value);
      if (baseStage !== undefined) {
        base = { kind: 'stage', stage: baseStage };
        // As BuildKit: a stage built on another stage runs on that stage's platform.
        platform = stages[baseStage]!.platform;
      } else if (result.value !== 'scratch') {
        const ref = parseImageReference(result.value);
        if (ref.ok) base = { kind: 'image', ref: result.value, normalized: ref.value.normalized };
        else diagnostics.push(irDiagnostic('IR004', `"${result.value}" is no earlier stage and not a valid image reference: ${ref.message}`, node.image.range));
      }
    }
  }

  if (name !== null) {
    if (byName.has(name)) {
      diagnostics.push(irDiagnostic('IR006', `duplicate stage name "${name}": stage ${byName.get(name)} has it too; FROM, --from and --target now find this one (rename one)`, node.stageName!.range));
    }
    byName.set(name, index);
  }
  const stagePlatform = platform ?? options.targetPlatform;
  const imageConfig = base.kind === 'image' ? options.baseImageConfig?.(base.normalized, stagePlatform) : undefined;
  const imageTriggers = imageConfig?.OnBuild ? imageConfig.OnBuild.flatMap((trigger) => parse(trigger).ast.instructions.slice(0, 1)) : [];
  return { index, name, from: node, instructions: [], base, platform: stagePlatform, imageConfig, imageTriggers };
}

/**
 * Visits the instructions a stage runs: its base's ONBUILD triggers first (`onbuild`; `fromImage`
 * for the base image's, whose text is not in this Dockerfile), then its own.
 */
export function forEachStep(
  stage: StageHeader,
  stages: readonly StageHeader[],
  visit: (node: Instruction, onbuild: boolean, fromImage: boolean) => void,
): void {
  for (const node of stage.imageTriggers) visit(node, true, true);
  if (stage.base.kind === 'stage') {
    for (const node of stages[stage.base.stage]!.instructions) {
      if (node.name === 'ONBUILD' && node.trigger) visit(node.trigger, true, false);
    }
  }
  for (const node of stage.instructions) visit(node, false, false);
}

function stageReferences(stage: StageHeader, stages: readonly StageHeader[], byName: ReadonlyMap<string, number>, diagnostics: Diagnostic[]): StageReference[] {
  const refs: StageReference[] = [];
  forEachStep(stage, stages, (node) => {
    if (node.name === 'COPY') {
      const flag = node.flags.find((f) => f.name === 'from');
      if (flag?.value !== undefined && flag.value !== '') {
        const range = flag.valueRange ?? flag.range;
        refs.push({ instruction: node, flag, value: flag.value, range, kind: 'copy', target: resolveFrom('--from=', flag.value, range, stages, byName, diagnostics) });
      }
    } else if (node.name === 'RUN') {
      for (const flag of node.flags) {
        if (flag.name !== 'mount' || flag.value === undefined) continue;
        const from = mountFromValue(flag.value);
        if (from === undefined) continue;
        const range = flag.valueRange ?? flag.range;
        refs.push({ instruction: node, flag, value: from, range, kind: 'mount', target: resolveFrom('from=', from, range, stages, byName, diagnostics) });
      }
    }
  });
  return refs;
}

/** The from= field of a --mount value, if any. */
export function mountFromValue(value: string): string | undefined {
  for (const field of splitMountFields(value)) {
    const eq = field.indexOf('=');
    if (eq > 0 && field.slice(0, eq).trim().toLowerCase() === 'from') return field.slice(eq + 1);
  }
  return undefined;
}

/** Splits a --mount value at commas, as a CSV record: double quotes group and are removed. */
export function splitMountFields(value: string): string[] {
  const fields: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '"') {
      if (quoted && value[i + 1] === '"') {
        cur += '"';
        i++;
      } else quoted = !quoted;
    } else if (c === ',' && !quoted) {
      fields.push(cur);
      cur = '';
    } else cur += c;
  }
  fields.push(cur);
  return fields;
}

function resolveFrom(
  what: string,
  value: string,
  range: Range,
  stages: readonly StageHeader[],
  byName: ReadonlyMap<string, number>,
  diagnostics: Diagnostic[],
): FromTarget | undefined {
  if (value.includes('$')) {
    const plain = expandWord(value, new Map());
    if (!plain.ok || plain.value !== value) {
      diagnostics.push(irDiagnostic('IR010', `variable expansion is not supported for ${what}${value}: define a stage with FROM and a global ARG, and name that stage`, range));
      return undefined;
    }
  }
  if (/^[+-]?\d+$/.test(value)) {
    const index = Number(value);
    if (index < 0 || index >= stages.length) {
      diagnostics.push(irDiagnostic('IR007', `invalid stage index ${value}: the Dockerfile has stages 0 to ${stages.length - 1}`, range));
      return undefined;
    }
    return { kind: 'stage', stage: index };
  }
  const stage = byName.get(value.toLowerCase());
  if (stage !== undefined) return { kind: 'stage', stage };
  const ref = parseImageReference(value);
  if (!ref.ok) {
    const names = [...byName.keys()];
    const known = names.length > 0 ? `; stages: ${names.join(', ')}` : '';
    diagnostics.push(irDiagnostic('IR004', `${what}${value} names no stage and is not a valid image reference (${ref.message})${known}`, range));
    return undefined;
  }
  return { kind: 'image', ref: value, normalized: ref.value.normalized };
}

/** Finds stage cycles through COPY --from and RUN --mount (a base is always an earlier stage). */
export function findCycles(setup: StageSetup): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const state = new Map<number, 'visiting' | 'done'>();
  const visit = (stage: number, path: StageReference[]): StageReference[] | undefined => {
    state.set(stage, 'visiting');
    for (const ref of setup.references[stage] ?? []) {
      if (ref.target?.kind !== 'stage') continue;
      const next = ref.target.stage;
      if (state.get(next) === 'visiting') return [...path, ref];
      if (state.get(next) === undefined) {
        const cycle = visit(next, [...path, ref]);
        if (cycle) return cycle;
      }
    }
    state.set(stage, 'done');
    return undefined;
  };
  for (const stage of setup.stages) {
    if (state.has(stage.index)) continue;
    const cycle = visit(stage.index, []);
    if (cycle) {
      const label = stage.name ?? `stage-${stage.index}`;
      for (const ref of cycle) diagnostics.push(irDiagnostic('IR008', `circular dependency detected on stage: ${label} (through ${ref.kind === 'copy' ? 'COPY --from=' : 'RUN --mount from='}${ref.value})`, ref.range));
      break;
    }
  }
  return diagnostics;
}

/** The stages the target needs: itself, its base, and what they copy or mount from, transitively. */
export function neededStages(setup: StageSetup, target: number): Set<number> {
  const needed = new Set<number>();
  const visit = (i: number): void => {
    if (needed.has(i)) return;
    needed.add(i);
    const stage = setup.stages[i]!;
    if (stage.base.kind === 'stage') visit(stage.base.stage);
    for (const ref of setup.references[i] ?? []) if (ref.target?.kind === 'stage') visit(ref.target.stage);
  };
  visit(target);
  return needed;
}
