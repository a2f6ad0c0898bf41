// The build graph as it grows: vertices in dependency order, their edges and cache-key inputs,
// the shared image vertices, and where each dispatched stage ended.
import type { Range } from '@dfc/syntax';
import { opDigest, sortedRecord } from './cache-key.js';
import { cloneConfig, type ImageConfig } from './config.js';
import { plainRange } from './diagnostics.js';
import { formatPlatform, type Platform } from './platform.js';
import type { CacheKeyInputs, Edge, HistoryEntry, Op, Vertex } from './plan.js';
import type { StageSetup } from './stages.js';

/** A stage's state between steps. */
export interface StageState {
  config: ImageConfig;
  /** What words expand against: the config's Env and the ARGs with a value, in the order they were set. */
  env: Map<string, string>;
  /** The ARGs declared in the stage (or its base stage), with their value if they have one. */
  args: Map<string, string | undefined>;
  /** Whether CMD was set in this stage (a later ENTRYPOINT then keeps it). */
  cmdSet: boolean;
  /** False when the stage starts from an image whose config the caller did not give. */
  baseKnown: boolean;
  last: number;
}

/** Accumulates vertices and edges in dependency order across stages. */
export class GraphBuilder {
  readonly vertices: Vertex[] = [];
  readonly edges: Edge[] = [];
  readonly stageVertices = new Map<number, number[]>();
  /** The build args an ARG declared or a RUN read: the setup's set, which the steps add to. */
  readonly usedArgs: Set<string>;
  private readonly results = new Map<number, StageState>();
  private readonly images = new Map<string, number>();

  constructor(
    setup: StageSetup,
    /** Ranges (by start offset) of references already reported as part of a cycle. */
    private readonly cycleOffsets: ReadonlySet<number>,
    /** Make no vertices or edges, only the stage results that later stages start from (see PlanOptions.diagnosticsOnly). */
    readonly diagnosticsOnly = false,
  ) {
    this.usedArgs = setup.usedArgs;
  }

  /** Records where a dispatched stage ended, for the stages built on it or copying from it. */
  setStageResult(index: number, state: StageState): void {
    this.results.set(index, state);
  }

  stageResult(index: number): StageState | undefined {
    return this.results.get(index);
  }

  isCycleReference(range: Range): boolean {
    return this.cycleOffsets.has(range.start.offset);
  }

  imageVertex(ref: string, normalized: string, platform: Platform): number {
    if (this.diagnosticsOnly) return -1; // no vertices: nothing refers to this one
    const key = `${normalized} ${formatPlatform(platform)}`;
    const known = this.images.get(key);
    if (known !== undefined) return known;
    const op: Op = { kind: 'image', ref, normalized, platform: formatPlatform(platform) };
    const id = this.add({ stage: null, op, range: null, onbuild: false, parent: null, inputs: [], config: null, history: null, args: {}, context: null });
    this.images.set(key, id);
    return id;
  }

  add(v: {
    stage: number | null; op: Op; range: Range | null; onbuild: boolean; parent: number | null; parentKind?: Edge['kind'];
    inputs: { id: number; kind: Edge['kind'] }[]; config: ImageConfig | null; history: HistoryEntry | null;
    args: Record<string, string>; context: CacheKeyInputs['context'];
  }): number {
    const id = this.vertices.length;
    // Most steps have their parent and no other input.
    const deps = v.inputs.length === 0 ? (v.parent !== null ? [v.parent] : []) : [...new Set([...(v.parent !== null ? [v.parent] : []), ...v.inputs.map((i) => i.id)])];

    this.vertices.push({
      id,
      stage: v.stage,
      op: v.op,
      range: v.range && plainRange(v.range),
      onbuild: v.onbuild,
      deps,
      config: v.config && cloneConfig(v.config),
      history: v.history,
      cacheKey: { parent: v.parent, op: opDigest(v.op), args: sortedRecord(v.args), inputs: [...new Set(v.inputs.map((i) => i.id))], context: v.context },
    });
    if (v.parent !== null) this.edges.push({ from: v.parent, to: id, kind: v.parentKind ?? 'parent' });
    if (v.inputs.length > 0) {
      const seen = new Set<number>();
      for (const input of v.inputs) {
        if (seen.has(input.id)) continue;
        seen.add(input.id);
        this.edges.push({ from: input.id, to: id, kind: input.kind });
      }
    }
    if (v.stage !== null) {
      const list = this.stageVertices.get(v.stage) ?? [];
      list.push(id);
      this.stageVertices.set(v.stage, list);
    }
    return id;
  }
}
