// @dfc/engine: runs a build plan into an image. Prints nothing: progress goes out as events.
export { readBuildContext, hashFile, type BuildContext, type ContextEntry, type ReadContextOptions } from './context.js';
export { createDockerignore, dockerignoreFromText, type Dockerignore } from './dockerignore.js';
export { StatCache } from './stat-cache.js';
