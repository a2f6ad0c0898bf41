// @dfc/runner: RUN steps and containers in an OCI runtime (runc), overlayfs snapshots whose upper
// dir is the layer. Knows nothing of Dockerfiles.

// What the build engine calls: one process over an image's layers → exit status and the diff.
export { Runner, type StepRunner, type RunRequest, type RunResult, type RunMount, type RunnerOptions } from './runner.js';
export { RunAbortedError, RuntimeNotFoundError, findRuntime } from './runtime.js';
export { UnpackedLayers, pruneUnpacked, type LayerRef, type UnpackedPruneResult } from './unpacked-layers.js';

// The OCI runtime spec (config.json) and the user lookup, as plain functions.
export { runtimeSpec, DEFAULT_CAPABILITIES, DEFAULT_PATH, withDefaultPath, type RuntimeSpec, type SpecInput, type SpecMount, type Rlimit } from './spec.js';
export { resolveUser, parsePasswd, parseGroup, UserLookupError, type ProcessUser, type PasswdEntry, type GroupEntry } from './users.js';
export { resolveInRoot, readFileInRoot, RootPathError } from './root-path.js';

// Mounts made outside a run (the engine's read-only views of a stage) undone even if dfc is killed.
export { guardCleanup } from './guard.js';
export { mountsBelow, unmount, type CleanupJob } from './cleanup.js';

// Diffs: the overlay upper dir as layer entries, and the copied-root fallback.
export { upperDirEntries, OverlayUnavailableError } from './overlay.js';
export { snapshotTree, treeChanges } from './snapshot.js';
