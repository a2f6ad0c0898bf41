// @dfc/engine: runs a build plan into an image. Prints nothing: progress goes out as events.
export { readBuildContext, hashFile, type BuildContext, type ContextEntry, type ReadContextOptions } from './context.js';
export { createDockerignore, dockerignoreFromText, type Dockerignore } from './dockerignore.js';
export { StatCache } from './stat-cache.js';
export { planCopy, cleanSource, resolveInTree, type CopyRequest, type CopyResult, type CopyInput, type SourceTree, type TreeEntry, type ImageView } from './copy.js';
export { contextTree, hostTree } from './trees.js';
export { planAdd, archiveFormat, isUrl, type AddRequest } from './add.js';
export { build, BuildError, type BuildOptions, type BuildResult } from './build.js';
export type { BuildEvent, StepInfo } from './events.js';
export { BuildCache, missReason, keyOf, type KeyParts } from './cache.js';
export { segmentPattern, pathPattern } from './glob.js';
