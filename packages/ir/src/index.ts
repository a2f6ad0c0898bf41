// @dfc/ir: AST → IR → build graph.
//
//   expand.ts     shell-word expansion with BuildKit's semantics (pattern.ts: ${V#p} patterns)
//   stages.ts     global ARGs, FROM, stage references, the target, cycles, pruning
//   dispatch.ts   each step in order: expansion, the image config it leaves, its vertex and cache-key inputs
//   graph.ts      the graph as it grows;  cache-key.ts  canonical JSON and op digests
//   config.ts     the image config shape and its value parsers (ports, durations, signals, WORKDIR)
//   mounts.ts     RUN --mount;  platform.ts  os/arch/variant;  reference.ts  image references
//   plan.ts       the BuildPlan contract;  planner.ts  the entry point and the JSON form
//   diagnostics.ts  the IR's diagnostic codes

// Shell-word expansion with BuildKit's semantics: `$VAR`, `${VAR…}`, quotes, escapes, splitting.
export { expandWord, expandWords } from './expand.js';
export type { Environment, EscapeChar, ExpandError, ExpandOptions, Expansion, VariableReads } from './expand.js';

// The build plan.
export { planBuild, planDockerfile, formatPlan, type PlanOptions } from './planner.js';
export { PLAN_SCHEMA_VERSION } from './plan.js';
export type {
  BuildPlan, CacheKeyInputs, CopySource, Edge, FileSource, HistoryEntry, MetaInstruction, Op, OpKind, PlanArg, PlanStage, RunFile, RunMount,
  StageBase, StageRef, Vertex,
} from './plan.js';
export { canonicalJSON, opDigest } from './cache-key.js';
export { parseMountSize } from './mounts.js';

// The image config and the values its instructions take.
export { DEFAULT_PATH, type BaseImageConfigs, type ContainerConfig, type HealthConfig, type ImageConfig } from './config.js';
export { DEFAULT_PLATFORM, formatPlatform, parsePlatform, type Platform } from './platform.js';
export { parseImageReference, type ImageReference } from './reference.js';
export { IR_DIAGNOSTIC_CODES, type IrDiagnosticCode } from './diagnostics.js';
