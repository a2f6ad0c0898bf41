// The build plan: the contract between the IR and its readers (the engine, lint, `dfc plan`).
// Plain data in a stable order; `plan.schema.json` describes its JSON form.
import type { Diagnostic, Range } from '@dfc/syntax';
import type { ImageConfig } from './config.js';

export const PLAN_SCHEMA_VERSION = 1;

export interface BuildPlan {
  schemaVersion: typeof PLAN_SCHEMA_VERSION;
  /** The build and target platforms, `os/arch[/variant]`. */
  platform: { build: string; target: string };
  /** Every --build-arg given, sorted by name; `used` is false when no ARG declared it. */
  args: PlanArg[];
  /** The stage the build produces; undefined only when the Dockerfile has no stage. */
  target: StageRef | undefined;
  stages: PlanStage[];
  /** In dependency order: a vertex comes after every vertex it depends on. */
  vertices: Vertex[];
  /** One per dependency, sorted by `to`, then by position in its `deps`. */
  edges: Edge[];
  /** The stages the target does not need; they have no vertices. */
  pruned: StageRef[];
  diagnostics: Diagnostic[];
}

export interface PlanArg {
  name: string;
  value: string;
  used: boolean;
}

export interface StageRef {
  index: number;
  /** Lower-cased as BuildKit compares them; null for an unnamed stage. */
  name: string | null;
}

export type StageBase =
  | { kind: 'scratch' }
  | { kind: 'image'; ref: string; normalized: string }
  | { kind: 'stage'; stage: number };

export interface PlanStage extends StageRef {
  /** The base as FROM names it after expansion. */
  base: StageBase;
  platform: string;
  /** The FROM instruction. */
  range: Range;
  pruned: boolean;
  /** The stage's vertices in order; the last one is the stage's result. Empty when pruned. */
  vertices: number[];
}

/** Where COPY/ADD takes files from, or what a RUN mount shows. */
export type FileSource =
  | { kind: 'context' }
  | { kind: 'stage'; stage: number; vertex: number }
  | { kind: 'image'; ref: string; vertex: number };

export interface CopySource {
  /** A path or glob in the source, a URL or git address (ADD), or a heredoc's name. */
  path: string;
  kind: 'path' | 'url' | 'git' | 'heredoc';
  /** The file content of a heredoc source. */
  content?: string;
}

export interface RunMount {
  type: 'bind' | 'cache' | 'tmpfs' | 'secret' | 'ssh';
  /** Absolute; a relative or missing target is taken in WORKDIR. */
  target: string;
  /** Where the files come from (bind and cache mounts with from=, or the build context for bind). */
  from: FileSource | null;
  source: string | null;
  readonly: boolean;
  /** Every other option as given (id, sharing, mode, uid, gid, required, size, env), values expanded. */
  options: Record<string, string>;
}

export interface RunFile {
  /** The heredoc's name. */
  name: string;
  content: string;
  /** Set when the file is mounted and run (a heredoc starting with `#!`). */
  mountPath: string | null;
}

export type Op =
  | { kind: 'image'; ref: string; normalized: string; platform: string }
  | { kind: 'from'; base: StageBase; platform: string }
  | {
      kind: 'run';
      /** The process's argv: exec form as written, shell form wrapped by the SHELL in force. */
      args: string[];
      form: 'exec' | 'shell';
      /** The process environment: the config's Env, then the ARGs in scope. */
      env: string[];
      user: string;
      workdir: string;
      mounts: RunMount[];
      network: string;
      security: string;
      files: RunFile[];
      /** Proxy settings from --build-arg (HTTP_PROXY…); as in BuildKit, never part of the cache key. */
      proxyEnv: Record<string, string>;
    }
  | {
      kind: 'copy' | 'add';
      sources: CopySource[];
      /** Absolute, resolved against WORKDIR; a trailing `/` kept (it means "into this directory"). */
      destination: string;
      from: FileSource;
      chown: string | null;
      chmod: string | null;
      link: boolean;
      parents: boolean;
      exclude: string[];
      /** ADD only. */
      checksum: string | null;
      keepGitDir: boolean;
      unpack: boolean | null;
    }
  | { kind: 'workdir'; path: string; user: string }
  | {
      kind: 'meta';
      instruction: MetaInstruction;
      /** The config fields the step set, with their new values (null: removed); `author` for MAINTAINER. */
      changes: Record<string, unknown>;
    };

export type MetaInstruction =
  | 'ARG' | 'ENV' | 'LABEL' | 'USER' | 'EXPOSE' | 'VOLUME' | 'CMD' | 'ENTRYPOINT' | 'HEALTHCHECK' | 'STOPSIGNAL' | 'SHELL' | 'ONBUILD' | 'MAINTAINER';

export type OpKind = Op['kind'];

export interface CacheKeyInputs {
  /** The vertex whose key this one extends; null for a FROM of an image or scratch. */
  parent: number | null;
  /**
   * sha256 of the op's canonical JSON (keys sorted, `proxyEnv` left out): the op with its fully
   * expanded arguments. See opDigest().
   */
  op: string;
  /** The build args (ARGs in scope) the step reads, with their values. A RUN reads all of them. */
  args: Record<string, string>;
  /** Other vertices whose results the step reads (COPY --from, RUN --mount from=). */
  inputs: number[];
  /** Paths of the build context the engine must hash (path, mode, uid/gid, bytes) into the key. */
  context: { paths: string[]; exclude: string[] } | null;
}

export interface HistoryEntry {
  created_by: string;
  empty_layer: boolean;
}

export interface Vertex {
  id: number;
  /** The stage it belongs to; null for an image used by COPY --from or RUN --mount. */
  stage: number | null;
  op: Op;
  /** The instruction; null for an image vertex. */
  range: Range | null;
  /** Set when the step comes from an ONBUILD trigger of the base. */
  onbuild: boolean;
  /** Vertices this one needs: the parent first, then inputs. */
  deps: number[];
  /** The image config as this step leaves it; null for an image vertex (its config comes from the registry). */
  config: ImageConfig | null;
  history: HistoryEntry | null;
  cacheKey: CacheKeyInputs;
}

export interface Edge {
  from: number;
  to: number;
  /** parent: the previous step; base: FROM an earlier stage; copy: COPY --from; mount: RUN --mount from=. */
  kind: 'parent' | 'base' | 'copy' | 'mount';
}
