// The entry point: a parsed Dockerfile and the build's options in, the build plan out.
import { parse, type Diagnostic, type Dockerfile } from '@dfc/syntax';
import type { BaseImageConfigs } from './config.js';
import { dispatchOptions, dispatchStage } from './dispatch.js';
import { GraphBuilder } from './graph.js';
import { irDiagnostic, plainRange } from './diagnostics.js';
import { DEFAULT_PLATFORM, formatPlatform, parsePlatform, type Platform } from './platform.js';
import { PLAN_SCHEMA_VERSION, type BuildPlan, type PlanStage, type StageRef } from './plan.js';
import { findCycles, neededStages, setUpStages } from './stages.js';

export interface PlanOptions {
  /** --build-arg values. */
  buildArgs?: Readonly<Record<string, string>> | ReadonlyMap<string, string>;
  /** The stage to build (by name); default the last. */
  target?: string;
  /** Default linux/amd64. */
  targetPlatform?: Platform;
  /** Default linux/amd64. */
  buildPlatform?: Platform;
  /**
   * The config of a base image, when known. Without it a stage on an image starts from an empty
   * config with Docker's default PATH, and words that read the image's ENV see them unset.
   */
  baseImageConfig?: BaseImageConfigs;
  /** Dispatch every stage, also those the target does not need (they are still listed in `pruned`). For lint. */
  allStages?: boolean;
  /**
   * Only the diagnostics are wanted (lint): each step stops once its diagnostics are known, and the
   * plan has no stages (so none pruned), vertices or edges: they are most of the planner's cost.
   * The diagnostics are the same as a full plan's.
   */
  diagnosticsOnly?: boolean;
}

/** Parses Dockerfile text and plans the build; the plan's diagnostics hold the parser's and the IR's. */
export function planDockerfile(text: string, options: PlanOptions = {}): BuildPlan {
  const { ast, diagnostics } = parse(text);
  const plan = planBuild(ast, options);
  plan.diagnostics = sortDiagnostics([...diagnostics.map(plainDiagnostic), ...plan.diagnostics]);
  return plan;
}

/** Plans the build of a parsed Dockerfile. Pure: no I/O, never throws on any AST. */
export function planBuild(ast: Dockerfile, options: PlanOptions = {}): BuildPlan {
  const buildArgs = new Map(options.buildArgs instanceof Map ? options.buildArgs : Object.entries(options.buildArgs ?? {}));
  const targetPlatform = options.targetPlatform ?? DEFAULT_PLATFORM;
  const buildPlatform = options.buildPlatform ?? DEFAULT_PLATFORM;
  const setup = setUpStages(ast, { buildArgs, buildPlatform, targetPlatform, baseImageConfig: options.baseImageConfig });
  const diagnostics: Diagnostic[] = [...setup.diagnostics];
  const cycles = findCycles(setup);
  diagnostics.push(...cycles);

  let target: StageRef | undefined;
  if (options.target !== undefined) {
    const wanted = options.target.toLowerCase();
    const found = [...setup.stages].reverse().find((s) => s.name === wanted);
    if (found) target = { index: found.index, name: found.name };
    else {
      const names = setup.stages.flatMap((s) => (s.name ? [s.name] : []));
      const start = { line: 1, column: 1, offset: 0 };
      diagnostics.push(
        irDiagnostic('IR018', `target stage "${options.target}" could not be found${names.length ? ` (stages: ${names.join(', ')})` : ' (no stage has a name)'}`, { start, end: start }),
      );
    }
  } else if (setup.stages.length > 0) {
    const last = setup.stages[setup.stages.length - 1]!;
    target = { index: last.index, name: last.name };
  }

  const needed = target ? neededStages(setup, target.index) : new Set<number>();
  const graph = new GraphBuilder(setup, new Set(cycles.map((d) => d.range.start.offset)), options.diagnosticsOnly === true);
  const dispatch = dispatchOptions(buildArgs);
  for (const stage of setup.stages) {
    if (options.allStages || needed.has(stage.index)) diagnostics.push(...dispatchStage(graph, setup, dispatch, stage));
  }

  const stages: PlanStage[] = graph.diagnosticsOnly ? [] : setup.stages.map((s) => ({
    index: s.index,
    name: s.name,
    base: s.base,
    platform: formatPlatform(s.platform),
    range: plainRange(s.from.range),
    pruned: !needed.has(s.index),
    vertices: graph.stageVertices.get(s.index) ?? [],
  }));
  return {
    schemaVersion: PLAN_SCHEMA_VERSION,
    platform: { build: formatPlatform(buildPlatform), target: formatPlatform(targetPlatform) },
    args: [...buildArgs.keys()].sort().map((name) => ({ name, value: buildArgs.get(name)!, used: graph.usedArgs.has(name) })),
    target,
    stages,
    vertices: graph.vertices,
    edges: graph.edges,
    pruned: stages.filter((s) => s.pruned).map((s) => ({ index: s.index, name: s.name })),
    diagnostics: sortDiagnostics(diagnostics),
  };
}

/**
 * The plan as `dfc plan` prints it: JSON indented by two spaces, with objects and arrays that fit
 * in 100 columns on one line, and a final newline. The same plan always gives the same bytes.
 */
export function formatPlan(plan: BuildPlan): string {
  return printJSON({ ...plan, target: plan.target ?? null }, '') + '\n';
}

const WIDTH = 100;

function printJSON(value: unknown, indent: string): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const inner = indent + '  ';
  const entries = Array.isArray(value)
    ? value.map((v) => printJSON(v, inner))
    : Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${JSON.stringify(k)}: ${printJSON(v, inner)}`);
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) return open + close;
  const flat = `${open}${entries.join(', ')}${close}`;
  if (!flat.includes('\n') && indent.length + flat.length <= WIDTH) return flat;
  return `${open}\n${entries.map((e) => inner + e).join(',\n')}\n${indent}${close}`;
}

/** Parses `os/arch[/variant]` for --platform style options. */
export { parsePlatform };

function plainDiagnostic(d: Diagnostic): Diagnostic {
  const out: Diagnostic = { code: d.code, severity: d.severity, message: d.message, range: plainRange(d.range) };
  if (d.fix) out.fix = { title: d.fix.title, edits: d.fix.edits.map((e) => ({ range: plainRange(e.range), newText: e.newText })) };
  return out;
}

function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  if (list.length < 2) return list;
  return list
    .map((d, i) => ({ d, i }))
    .sort((a, b) => a.d.range.start.offset - b.d.range.start.offset || (a.d.code < b.d.code ? -1 : a.d.code > b.d.code ? 1 : a.i - b.i))
    .map(({ d }) => d);
}
