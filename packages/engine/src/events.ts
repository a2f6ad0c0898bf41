// What a build tells its watcher, as it happens. The engine prints nothing; the CLI renders these.

export type BuildEvent =
  | { type: 'plan'; steps: StepInfo[] }
  | { type: 'context'; files: number; hashed: number; cached: number; ms: number }
  | { type: 'step-start'; step: number; at: number }
  | { type: 'step-cached'; step: number }
  /** A cache miss and its cause, compared with the last build of the same step. */
  | { type: 'step-miss'; step: number; reason: string }
  | { type: 'step-output'; step: number; stream: 'stdout' | 'stderr'; data: string }
  | { type: 'step-done'; step: number; at: number; ms: number; cached: boolean }
  | { type: 'step-error'; step: number; message: string }
  | { type: 'notice'; message: string }
  | { type: 'image'; id: string; manifestDigest: string; tags: string[] };

export interface StepInfo {
  step: number;
  /** `[stage 1/4] RUN make` style name, and where it is in the Dockerfile. */
  name: string;
  file: string;
  line: number | undefined;
  /** Steps that only change the config (no layer, nothing to run). */
  metaOnly: boolean;
}
