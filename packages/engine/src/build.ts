// A build: the plan's graph run on a queue (independent stages in parallel, each step after its
// inputs), every step looked up in the cache by its key and run only on a miss, the result
// written as an image in the store and tagged.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import fs from 'node:fs/promises';
import path from 'node:path';
import PQueue from 'p-queue';
import { parse } from '@dfc/syntax';
import { parseMountSize, planDockerfile, type BuildPlan, type ContainerConfig, type ImageConfig, type Op, type Vertex } from '@dfc/ir';
import { imageLayers, indexImage, putImage, resolveImage, writeLayer, type Digest, type LayerEntry, type Store } from '@dfc/store';
import { parseGroup, parsePasswd, readFileInRoot, resolveUser, type LayerRef, type RunMount, type RunRequest, type StepRunner } from '@dfc/runner';
import { planAdd } from './add.js';
import { BuildCache, keyOf, type KeyParts } from './cache.js';
import { readBuildContext } from './context.js';
import { contextFiles, treeListing } from './context-key.js';
import { planCopy, resolveInTree, type SourceTree } from './copy.js';
import { CacheMounts, type CacheLease, type CacheSharing } from './cache-mounts.js';
import { Downloads, type DownloadResult } from './download.js';
import type { BuildEvent, StepInfo } from './events.js';
import { materializeRootfs, releaseRootfsUnder, removeDeadBuilds, withParentDirs } from './rootfs.js';
import { StatCache } from './stat-cache.js';
import { contextTree, hostTree } from './trees.js';

export interface BuildOptions {
  store: Store;
  /** Runs RUN steps; a test may pass a fake. */
  runner: StepRunner;
  /** The build context directory, an absolute path. */
  context: string;
  /**
   * The Dockerfile's absolute path (for `<Dockerfile>.dockerignore`), and its text. A command line
   * resolves `-f` against its own working directory, as `docker build` does; the engine never
   * looks at process.cwd(), so a library caller gets the same build wherever it runs.
   */
  dockerfile: string;
  text: string;
  /** How messages name the Dockerfile (default: its path); the CLI gives it relative to the user's directory. */
  dockerfileName?: string;
  /**
   * Build secrets by id (`dfc build --secret`), for RUN --mount=type=secret: a file the step sees
   * (/run/secrets/<id> or target=) or an environment variable (env=). Never in a layer or a cache key.
   */
  secrets?: Record<string, Uint8Array>;
  buildArgs?: Record<string, string>;
  target?: string;
  tags?: string[];
  noCache?: boolean;
  /** How many steps run at once (default: the number of cores). */
  concurrency?: number;
  onEvent?: (event: BuildEvent) => void;
  signal?: AbortSignal;
}

export interface BuildResult {
  imageId: Digest;
  manifestDigest: Digest;
  tags: string[];
  /** Steps run, and steps taken from the cache. */
  ran: number;
  cached: number;
}

/** A failure the user can act on: it names the step (file:line) and what went wrong. */
export class BuildError extends Error {}

interface StepResult {
  key: string;
  /** The stage's layers up to and including this step, bottom to top. */
  layers: LayerRef[];
  config: ImageConfig;
  history: HistoryItem[];
}

interface HistoryItem {
  created_by?: string;
  empty_layer?: boolean;
  created?: string;
  comment?: string;
}

export async function build(options: BuildOptions): Promise<BuildResult> {
  const emit = options.onEvent ?? (() => undefined);
  const { store } = options;
  for (const [name, value] of [['dockerfile', options.dockerfile], ['context', options.context]] as const) {
    if (!path.isAbsolute(value)) throw new TypeError(`build(): options.${name} must be an absolute path (got "${value}")`);
  }
  const file = options.dockerfileName ?? options.dockerfile;

  // Plan once to learn the base images, then again with their configs (Env, WORKDIR, ONBUILD…).
  const first = planDockerfile(options.text, planOptions(options));
  failOnErrors(first, file);
  const bases = new Map<string, Awaited<ReturnType<typeof resolveImage>>>();
  for (const v of first.vertices) {
    const named = v.op.kind === 'image' ? v.op : v.op.kind === 'from' && v.op.base.kind === 'image' ? v.op.base : undefined;
    if (!named || bases.has(named.normalized)) continue;
    const image = await findImage(store, named.ref, named.normalized);
    if (!image) {
      const where = v.range?.start ?? usedAt(first, v.id, options.text);
      const at = where ? `${file}:${where.line}:${where.column}: ` : '';
      throw new BuildError(`${at}image ${named.ref} is not in the store; add it with dfc load -i ARCHIVE (e.g. from skopeo copy or docker save) or dfc import ROOTFS.tar ${named.ref}`);
    }
    bases.set(named.normalized, image);
  }
  const plan = planDockerfile(options.text, {
    ...planOptions(options),
    baseImageConfig: (ref) => bases.get(ref)?.config.config as ContainerConfig | undefined,
  });
  failOnErrors(plan, file);

  const steps = plan.vertices.map((v) => stepInfo(plan, v, file));
  emit({ type: 'plan', steps });

  const t0 = performance.now();
  const statCache = await StatCache.load(path.join(store.recordsDir, 'statcache', `${hashText(options.context)}.bin`));
  const ctx = await readBuildContext(options.context, { dockerfile: path.relative(options.context, options.dockerfile), statCache });
  await statCache.save();
  emit({ type: 'context', files: ctx.entries.size, hashed: ctx.hashed, cached: ctx.cached, ms: Math.round(performance.now() - t0) });

  const cache = await BuildCache.open(store);
  const listing = (dir: string): Record<string, string> => treeListing(ctx, dir);
  await removeDeadBuilds(path.join(store.recordsDir, 'tmp'));
  const scratch = path.join(store.recordsDir, 'tmp', `build-${process.pid}-${Date.now().toString(36)}`);
  await fs.mkdir(scratch, { recursive: true });
  const queue = new PQueue({ concurrency: options.concurrency ?? availableParallelism() });
  const results = new Map<number, Promise<StepResult>>();
  let ran = 0;
  let cachedCount = 0;
  const abort = new AbortController();
  const onAbort = (): void => abort.abort(options.signal?.reason);
  if (options.signal?.aborted) abort.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  // The first step that fails is what the user needs to see; steps stopped after it are not.
  let failure: BuildError | undefined;
  // ADD of a URL: fetched once per build (or confirmed unchanged with the server), before the
  // step, so the step is keyed by what was downloaded.
  const downloads = new Downloads(path.join(store.recordsDir, 'downloads'));
  const cacheMounts = new CacheMounts(path.join(store.recordsDir, 'cache-mounts'));
  const fetched = new Map<string, Promise<DownloadResult>>();
  const fetchUrl = (url: string): Promise<DownloadResult> => {
    let job = fetched.get(url);
    if (!job) fetched.set(url, (job = downloads.fetch(url, abort.signal)));
    return job;
  };

  const runStep = (id: number): Promise<StepResult> => {
    let job = results.get(id);
    if (!job) {
      job = (async () => {
        const vertex = plan.vertices[id]!;
        const deps = await Promise.all(vertex.deps.map(runStep));
        return queue.add(async () => {
          if (abort.signal.aborted) throw new BuildError('build cancelled');
          const started = performance.now();
          emit({ type: 'step-start', step: id, at: Date.now() });
          try {
            const result = await executeStep(vertex, deps);
            emit({ type: 'step-done', step: id, at: Date.now(), ms: Math.round(performance.now() - started), cached: result.cached });
            // Only steps that make layers count as run or cached; FROM and metadata steps do neither.
            if (result.cached) cachedCount++;
            else if (result.executed) ran++;
            return result.step;
          } catch (err) {
            const message = err instanceof BuildError ? err.message : `${steps[id]!.name}: ${(err as Error).message}`;
            emit({ type: 'step-error', step: id, message });
            const error = err instanceof BuildError ? err : new BuildError(`${location(steps[id]!)}${message}`);
            failure ??= error;
            abort.abort();
            throw error;
          }
        }) as Promise<StepResult>;
      })();
      results.set(id, job);
    }
    return job;
  };

  const executeStep = async (vertex: Vertex, deps: StepResult[]): Promise<{ step: StepResult; cached: boolean; executed?: boolean }> => {
    const parent = vertex.cacheKey.parent === null ? undefined : deps[0];
    const base = baseOf(vertex, bases);
    const parts: KeyParts = {
      parent: parent?.key ?? null,
      op: vertex.cacheKey.op,
      instruction: steps[vertex.id]!.name,
      args: vertex.cacheKey.args,
      inputs: vertex.cacheKey.inputs.map((i) => deps[vertex.deps.indexOf(i)]!.key),
      files: {
        ...(vertex.cacheKey.context ? contextFiles(ctx, vertex.cacheKey.context.paths, vertex.cacheKey.context.exclude) : {}),
        ...(await downloadedFiles(vertex)),
      },
      base: base?.manifestDigest ?? null,
    };
    const key = keyOf(parts);
    const stepId = `${options.dockerfile}#${vertex.stage ?? 'image'}:${vertex.id}`;

    // Steps that touch no files and run nothing need no cache: their result is the config.
    if (vertex.op.kind === 'meta') {
      return { step: { key, layers: parent?.layers ?? [], config: vertex.config ?? parent!.config, history: withHistory(parent?.history ?? [], vertex, false) }, cached: false };
    }
    if (vertex.op.kind === 'from' || vertex.op.kind === 'image') {
      return { step: fromStep(vertex, key, base, deps), cached: false };
    }

    const hit = options.noCache ? undefined : await cache.get(key);
    if (hit) {
      emit({ type: 'step-cached', step: vertex.id });
      await cache.rememberParts(stepId, parts, listing);
      const layers = hit.layer ? [...parent!.layers, hit.layer] : parent!.layers;
      return { step: { key, layers, config: vertex.config ?? parent!.config, history: withHistory(parent!.history, vertex, !hit.layer) }, cached: true };
    }
    emit({ type: 'step-miss', step: vertex.id, reason: options.noCache ? '--no-cache' : await cache.whyMissed(stepId, parts, listing) });

    const layer = await runOp(vertex, parent!, deps);
    await cache.put(key, { layer });
    await cache.rememberParts(stepId, parts, listing);
    const layers = layer ? [...parent!.layers, layer] : parent!.layers;
    return { step: { key, layers, config: vertex.config ?? parent!.config, history: withHistory(parent!.history, vertex, !layer) }, cached: false, executed: true };
  };

  /**
   * `url: digest` of each URL an ADD without --checksum downloads, for its key (as BuildKit keys
   * such a step: by the content). With --checksum the key has the checksum already.
   */
  const downloadedFiles = async (vertex: Vertex): Promise<Record<string, string>> => {
    const op = vertex.op;
    if (op.kind !== 'add' || op.checksum) return {};
    const out: Record<string, string> = {};
    for (const source of op.sources) {
      if (source.kind !== 'url') continue;
      const got = await fetchUrl(source.path);
      if ('error' in got) throw new BuildError(`${location(steps[vertex.id]!)}ADD ${source.path}: ${got.error}`);
      out[source.path] = got.digest;
    }
    return out;
  };

  const runOp = async (vertex: Vertex, parent: StepResult, deps: StepResult[]): Promise<LayerRef | null> => {
    const op = vertex.op;
    const stepScratch = path.join(scratch, `step-${vertex.id}`);
    await fs.mkdir(stepScratch, { recursive: true });
    // Cache mounts a RUN holds until it ends.
    const leases: CacheLease[] = [];
    try {
      switch (op.kind) {
        case 'workdir':
        case 'copy':
        case 'add': {
          const root = path.join(stepScratch, 'rootfs');
          await materializeRootfs(store, parent.layers, root);
          const entries = await fileEntries(vertex, op, root, deps, stepScratch);
          if (entries.length === 0) return null;
          const info = await writeLayer(store, withParentDirs(entries, hostTree(root)));
          return { diffId: info.diffId, descriptor: info.descriptor };
        }
        case 'run': {
          const { mounts, args, env } = await runMounts(vertex, op, deps, stepScratch, leases);
          const request: RunRequest = {
            layers: parent.layers,
            args,
            mounts,
            env: [...op.env, ...Object.entries(op.proxyEnv).map(([k, v]) => `${k}=${v}`), ...env],
            cwd: op.workdir,
            user: op.user,
            scratchDir: stepScratch,
            network: op.network === 'host' ? 'host' : 'none',
            onStdout: (chunk) => emit({ type: 'step-output', step: vertex.id, stream: 'stdout', data: chunk.toString() }),
            onStderr: (chunk) => emit({ type: 'step-output', step: vertex.id, stream: 'stderr', data: chunk.toString() }),
            signal: abort.signal,
          };
          const result = await options.runner.run(request);
          if (result.exitCode !== 0) {
            throw new BuildError(`${location(steps[vertex.id]!)}${steps[vertex.id]!.name}: the command exited with status ${result.exitCode}`);
          }
          return result.layer ? { diffId: result.layer.diffId, descriptor: result.layer.descriptor } : null;
        }
        default:
          return null;
      }
    } finally {
      await Promise.all(leases.map((l) => l.release()));
      await releaseRootfsUnder(stepScratch);
      await fs.rm(stepScratch, { recursive: true, force: true }).catch(() => undefined);
    }
  };

  /**
   * RUN --mount and heredoc scripts as the runner's mounts: bind (read-only, from the context,
   * a stage or an image; `rw` gets a scratch copy whose writes are dropped), cache (a folder kept
   * in the store between builds, see cache-mounts.ts), tmpfs, secret (a file of the step's
   * scratch, or an environment variable: `env` holds those). A secret the build was not given,
   * and any SSH agent (not supported yet), fails the step when required and is left out when
   * not, as BuildKit does when it has none.
   */
  const runMounts = async (
    vertex: Vertex, op: Extract<Op, { kind: 'run' }>, deps: StepResult[], stepScratch: string,
    leases: CacheLease[],
  ): Promise<{ mounts: RunMount[]; args: string[]; env: string[] }> => {
    const mounts: RunMount[] = [];
    const env: string[] = [];
    let args = op.args;
    for (const [i, m] of op.mounts.entries()) {
      const what = `RUN --mount=type=${m.type},target=${m.target}`;
      if (m.type === 'tmpfs') {
        // The planner rejected a size it cannot read, with its line and column.
        const size = m.options['size'] === undefined ? undefined : parseMountSize(m.options['size']);
        mounts.push({ type: 'tmpfs', target: m.target, ...(size ? { sizeBytes: size } : {}) });
      } else if (m.type === 'cache') {
        // The planner checked sharing, uid, gid and mode.
        const number = (key: string, radix: number): { [k: string]: number } => (m.options[key] === undefined ? {} : { [key]: parseInt(m.options[key]!, radix) });
        const from = m.from && m.from.kind !== 'context' ? deps[vertex.deps.indexOf(m.from.vertex)]! : undefined;
        const source = (m.source ?? '').replace(/^\/+/, '');
        const seed = from && {
          name: `${from.key} ${source}`,
          // A new cache starts with the stage's files at source=, owners and modes kept.
          fill: async (dir: string): Promise<void> => {
            const root = path.join(stepScratch, `mount-${i}`);
            await materializeRootfs(store, from.layers, root);
            const at = resolveInTree(hostTree(root), source);
            if (at === undefined) throw new BuildError(`${location(steps[vertex.id]!)}${what}: source ${m.source ?? '/'} does not exist in from=`);
            await copyContents(path.join(root, at), dir);
          },
        };
        const lease = await cacheMounts.acquire(
          {
            id: m.options['id'] ?? m.target, sharing: (m.options['sharing'] ?? 'shared') as CacheSharing,
            ...number('uid', 10), ...number('gid', 10), ...number('mode', 8), ...(seed ? { seed } : {}),
          },
          abort.signal,
        );
        leases.push(lease);
        mounts.push({ type: 'bind', source: lease.dir, target: m.target, readonly: m.readonly });
      } else if (m.type === 'bind') {
        let root = ctx.root;
        if (m.from && m.from.kind !== 'context') {
          const dep = deps[vertex.deps.indexOf(m.from.vertex)]!;
          root = path.join(stepScratch, `mount-${i}`);
          await materializeRootfs(store, dep.layers, root);
        }
        const fromContext = !m.from || m.from.kind === 'context';
        const source = resolveInTree(fromContext ? contextTree(ctx) : hostTree(root), (m.source ?? '').replace(/^\/+/, ''));
        if (source === undefined) throw new BuildError(`${location(steps[vertex.id]!)}${what}: source ${m.source ?? '/'} does not exist`);
        let host = path.join(root, source);
        if (fromContext && ctx.ignore.patterns.length > 0 && (source === '' || ctx.entries.get(source)?.kind === 'dir')) {
          // What .dockerignore excludes is not in the context: the step sees a copy of the rest.
          const copy = path.join(stepScratch, `mount-${i}-context`);
          const prefix = source === '' ? '' : `${source}/`;
          await fs.cp(host, copy, {
            recursive: true,
            verbatimSymlinks: true,
            filter: (src) => {
              const rel = path.relative(ctx.root, src).split(path.sep).join('/');
              return rel === source || (rel.startsWith(prefix) && ctx.entries.has(rel)) || (prefix === '' && ctx.entries.has(rel));
            },
          });
          host = copy;
        } else if (!m.readonly) {
          // Writes to an rw bind mount are thrown away: give the step a copy.
          const copy = path.join(stepScratch, `mount-${i}-rw`);
          await fs.cp(host, copy, { recursive: true, verbatimSymlinks: true });
          host = copy;
        }
        mounts.push({ type: 'bind', source: host, target: m.target, readonly: m.readonly });
      } else if (m.type === 'secret') {
        const id = m.options['id']!;
        const value = options.secrets?.[id];
        if (value === undefined) {
          if (m.options['required'] === 'true') {
            throw new BuildError(`${location(steps[vertex.id]!)}RUN --mount=type=secret,id=${id}: the build has no secret "${id}"; give it with dfc build --secret id=${id},src=FILE (or env=VARIABLE)`);
          }
          continue;
        }
        if (m.options['env']) env.push(`${m.options['env']}=${Buffer.from(value).toString()}`);
        if (m.target === '') continue;
        // Read-only to the step, with BuildKit's defaults: 0400, owned by root.
        const file = path.join(stepScratch, `secret-${i}`);
        await fs.writeFile(file, value, { mode: 0o600 });
        await fs.chown(file, Number(m.options['uid'] ?? 0), Number(m.options['gid'] ?? 0));
        await fs.chmod(file, parseInt(m.options['mode'] ?? '400', 8));
        mounts.push({ type: 'bind', source: file, target: m.target, readonly: true });
      } else if (m.options['required'] === 'true') {
        throw new BuildError(`${location(steps[vertex.id]!)}${what}: dfc cannot forward an SSH agent to a build yet; remove the mount, or build this Dockerfile with docker buildx`);
      } else {
        emit({ type: 'notice', message: `${steps[vertex.id]!.name}: --mount=type=${m.type}: dfc cannot forward an SSH agent yet; the step runs without it` });
      }
    }
    // A heredoc with a #! line is run as a file; the runtime owns /dev, so it goes elsewhere.
    for (const f of op.files) {
      if (!f.mountPath) continue;
      const file = path.join(stepScratch, `heredoc-${mounts.length}`);
      await fs.writeFile(file, f.content, { mode: 0o755 });
      const target = `/.dfc-heredoc/${f.name.replace(/[^A-Za-z0-9._-]/g, '_')}`;
      mounts.push({ type: 'bind', source: file, target, readonly: true });
      args = args.map((a) => a.split(f.mountPath!).join(target));
    }
    return { mounts, args, env };
  };

  /** The layer entries of a WORKDIR, COPY or ADD over the parent's root file system at `root`. */
  const fileEntries = async (vertex: Vertex, op: Op, root: string, deps: StepResult[], stepScratch: string): Promise<LayerEntry[]> => {
    const image = hostTree(root);
    if (op.kind === 'workdir') {
      const owner = await ownerOf(op.user, root, false);
      const entries: LayerEntry[] = [];
      // Through the image's links, inside its root: WORKDIR /var/run makes /run when that is the link.
      const resolved = resolveInTree(image, op.path.replace(/^\/+/, ''), true) ?? op.path;
      const parts = resolved.split('/').filter(Boolean);
      for (let i = 1; i <= parts.length; i++) {
        const rel = parts.slice(0, i).join('/');
        if (image.lookup(rel)?.kind === 'dir') continue;
        entries.push({ kind: 'dir', path: rel, mode: 0o755, ...owner });
      }
      return entries;
    }
    if (op.kind !== 'copy' && op.kind !== 'add') return [];
    let tree: SourceTree;
    if (op.from.kind === 'context') tree = contextTree(ctx);
    else {
      const dep = deps[vertex.deps.indexOf(op.from.vertex)]!;
      const from = path.join(stepScratch, 'from');
      await materializeRootfs(store, dep.layers, from);
      tree = hostTree(from);
    }
    // Heredoc sources are files of their own, laid over the tree. They are written under
    // generated names: a heredoc's name is the Dockerfile's text and must not pick a host path.
    const heredocs = op.sources.filter((s) => s.kind === 'heredoc');
    if (heredocs.length > 0) tree = await withHeredocs(tree, heredocs, path.join(stepScratch, 'heredocs'));
    const request = {
      sources: op.sources.map((s) => s.path),
      destination: op.destination,
      workdir: '/',
      tree,
      image,
      owner: op.chown ? await ownerOf(op.chown, root, true) : undefined,
      chmod: op.chmod ? parseMode(op.chmod) : undefined,
      instruction: op.kind.toUpperCase(),
      exclude: op.exclude,
      parents: op.parents,
    };
    const result =
      op.kind === 'add'
        ? await planAdd({
          ...request, scratch: path.join(stepScratch, 'add'), ...(op.checksum ? { checksum: op.checksum } : {}), unpack: op.unpack ?? false,
          download: fetchUrl, signal: abort.signal,
        })
        : planCopy(request);
    if (!result.ok) throw new BuildError(`${location(steps[vertex.id]!)}${result.error}`);
    return result.entries;
  };

  try {
    const target = plan.target ? plan.stages[plan.target.index]! : plan.stages[plan.stages.length - 1]!;
    const last = target.vertices[target.vertices.length - 1]!;
    let final: StepResult;
    try {
      final = await runStep(last);
    } catch (err) {
      throw failure ?? err;
    }
    const config = final.config;
    const record = await putImage(store, {
      config: { ...config, rootfs: { type: 'layers', diff_ids: final.layers.map((l) => l.diffId) }, history: final.history } as never,
      layers: final.layers.map((l) => ({ diffId: l.diffId, descriptor: l.descriptor })),
      tags: options.tags ?? [],
    });
    // An image built without a tag is still in the index (untagged, as docker's <none> images),
    // so it can be run, exported and listed by its id, and prune does not take it at once.
    if (!options.tags?.length) await indexImage(store, record.descriptor, []);
    emit({ type: 'image', id: record.id, manifestDigest: record.manifestDigest, tags: options.tags ?? [] });
    return { imageId: record.id, manifestDigest: record.manifestDigest, tags: options.tags ?? [], ran, cached: cachedCount };
  } finally {
    // Steps still queued see the abort and stop at once; every started one is awaited.
    await Promise.allSettled([...results.values()]);
    options.signal?.removeEventListener('abort', onAbort);
    await fs.rm(scratch, { recursive: true, force: true }).catch(() => undefined);
  }
}

function planOptions(options: BuildOptions): { buildArgs?: Record<string, string>; target?: string } {
  const out: { buildArgs?: Record<string, string>; target?: string } = {};
  if (options.buildArgs) out.buildArgs = options.buildArgs;
  if (options.target) out.target = options.target;
  return out;
}

function failOnErrors(plan: BuildPlan, file: string): void {
  const errors = plan.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length === 0) return;
  throw new BuildError(errors.map((d) => `${file}:${d.range.start.line}:${d.range.start.column}: error: ${d.message} [${d.code}]`).join('\n'));
}

function stepInfo(plan: BuildPlan, v: Vertex, file: string): StepInfo {
  const stage = v.stage === null ? undefined : plan.stages[v.stage];
  const position = stage ? `${stage.vertices.indexOf(v.id) + 1}/${stage.vertices.length}` : '';
  const label = stage ? `[${stage.name ?? `stage-${stage.index}`} ${position}]` : '[image]';
  return { step: v.id, name: `${label} ${describeOp(v.op, plan.stages.map((st) => st.name))}`, file, line: v.range?.start.line, metaOnly: v.op.kind === 'meta' };
}

function describeOp(op: Op, stageNames: (string | null)[]): string {
  switch (op.kind) {
    case 'image':
      return `image ${op.normalized}`;
    case 'from':
      return `FROM ${op.base.kind === 'image' ? op.base.ref : op.base.kind === 'stage' ? (stageNames[op.base.stage] ?? `stage ${op.base.stage}`) : 'scratch'}`;
    case 'run':
      return `RUN ${op.args[op.args.length - 1] ?? ''}`.replace(/\s+/g, ' ').slice(0, 120);
    case 'copy':
    case 'add': {
      const from = op.from.kind === 'stage' ? ` --from=${stageNames[op.from.stage] ?? op.from.stage}` : op.from.kind === 'image' ? ` --from=${op.from.ref}` : '';
      return `${op.kind.toUpperCase()}${from} ${op.sources.map((s) => (s.kind === 'heredoc' ? `<<${s.path}` : s.path)).join(' ')} ${op.destination}`;
    }
    case 'workdir':
      return `WORKDIR ${op.path}`;
    case 'meta':
      return `${op.instruction}`;
  }
}

function location(step: StepInfo): string {
  return step.line === undefined ? '' : `${step.file}:${step.line}: `;
}

/**
 * Where an image with no FROM of its own is named: the `--from=` of the first COPY, or the
 * `from=` of the first RUN --mount, that reads it (the instruction's start when not found).
 */
function usedAt(plan: BuildPlan, image: number, text: string): { line: number; column: number } | undefined {
  const user = plan.vertices.find((u) => u.range && u.deps.includes(image));
  if (!user?.range) return undefined;
  const op = plan.vertices[image]!.op;
  const ref = op.kind === 'image' ? op.ref : '';
  const node = parse(text).ast.children.find((c) => c.kind === 'instruction' && c.range.start.offset === user.range!.start.offset);
  for (const flag of node?.kind === 'instruction' ? node.flags : []) {
    if (flag.name === 'from' && flag.value === ref && flag.valueRange) return flag.valueRange.start;
    const written = text.slice(flag.range.start.offset, flag.range.end.offset);
    const at = flag.name === 'mount' ? written.search(new RegExp(`(^|,)from=${ref.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(,|$)`, 'i')) : -1;
    if (at >= 0 && !written.slice(0, at).includes('\n')) {
      return { line: flag.range.start.line, column: flag.range.start.column + at + (written[at] === ',' ? 1 : 0) };
    }
  }
  return user.range.start;
}

type ResolvedBase = Awaited<ReturnType<typeof resolveImage>>;

/**
 * The store keeps references as written (`busybox:latest`), the plan normalizes them
 * (`docker.io/library/busybox:latest`): try the written form, the normalized one, and the
 * familiar short form of a Docker Hub name.
 */
async function findImage(store: Store, ref: string, normalized: string): Promise<ResolvedBase | undefined> {
  const short = normalized.replace(/^docker\.io\/(library\/)?/, '');
  for (const candidate of new Set([ref, normalized, short])) {
    try {
      return await resolveImage(store, candidate);
    } catch {
      // Try the next form.
    }
  }
  return undefined;
}

function baseOf(vertex: Vertex, bases: Map<string, ResolvedBase>): ResolvedBase | undefined {
  const op = vertex.op;
  if (op.kind === 'image') return bases.get(op.normalized);
  if (op.kind === 'from' && op.base.kind === 'image') return bases.get(op.base.normalized);
  return undefined;
}

function fromStep(vertex: Vertex, key: string, base: ResolvedBase | undefined, deps: StepResult[]): StepResult {
  if (base) {
    const layers = imageLayers(base);
    const history = baseHistory((base.config as { history?: HistoryItem[] }).history ?? [], layers.length);
    const config = (vertex.config ?? (base.config as unknown as ImageConfig)) as ImageConfig;
    return { key, layers, config, history };
  }
  const op = vertex.op;
  if (op.kind === 'from' && op.base.kind === 'stage') {
    const stage = deps[0]!;
    return { key: stage.key, layers: stage.layers, config: vertex.config ?? stage.config, history: stage.history };
  }
  return { key, layers: [], config: vertex.config ?? ({ architecture: 'amd64', os: 'linux', config: {} } as ImageConfig), history: [] };
}

/**
 * A base image's history with one entry per layer, as BuildKit makes it: history is optional in
 * an image config, so an image without it (or with too few entries) gets empty entries for its
 * bottom layers, and entries beyond its layers count as empty.
 */
function baseHistory(history: HistoryItem[], layers: number): HistoryItem[] {
  const out = history.slice();
  let made = out.filter((h) => !h.empty_layer).length;
  for (let i = 0; i < out.length && made > layers; i++) {
    if (out[i]!.empty_layer) continue;
    out[i] = { ...out[i], empty_layer: true };
    made--;
  }
  return [...Array.from({ length: layers - made }, (): HistoryItem => ({})), ...out];
}

function withHistory(history: HistoryItem[], vertex: Vertex, empty: boolean): HistoryItem[] {
  if (!vertex.history) return history;
  const item: HistoryItem = { created_by: vertex.history.created_by, comment: 'dfc' };
  if (empty || vertex.history.empty_layer) item.empty_layer = true;
  const epoch = process.env.SOURCE_DATE_EPOCH;
  if (epoch && /^\d+$/.test(epoch)) item.created = new Date(Number(epoch) * 1000).toISOString();
  return [...history, item];
}

/** `tree` with each heredoc source as a 0644 file at its name (in the root), the tree otherwise. */
async function withHeredocs(tree: SourceTree, heredocs: { path: string; content?: string }[], dir: string): Promise<SourceTree> {
  await fs.mkdir(dir, { recursive: true });
  const files = new Map<string, { file: string; size: number }>();
  for (const [i, h] of heredocs.entries()) {
    const file = path.join(dir, `heredoc-${i}`);
    const content = Buffer.from(h.content ?? '');
    await fs.writeFile(file, content, { mode: 0o644 });
    files.set(h.path, { file, size: content.length });
  }
  return {
    lookup: (rel) => {
      const h = files.get(rel);
      return h ? { kind: 'file', mode: 0o644, size: h.size } : tree.lookup(rel);
    },
    list: (rel) => tree.list(rel),
    content: (rel, entry) => {
      const h = files.get(rel);
      return h ? { hostPath: h.file, size: h.size } : tree.content(rel, entry);
    },
  };
}

/**
 * `--chown` / WORKDIR owner: numbers, or names from the image's /etc/passwd and /etc/group,
 * read inside the image's root (a link there cannot lead to the host's files).
 */
async function ownerOf(spec: string, root: string, sameIdAsGroup: boolean): Promise<{ uid: number; gid: number }> {
  if (spec === '') return { uid: 0, gid: 0 };
  const read = async (f: string): Promise<string> => (await readFileInRoot(root, f).catch(() => undefined)) ?? '';
  let user;
  try {
    user = resolveUser(spec, parsePasswd(await read('/etc/passwd')), parseGroup(await read('/etc/group')));
  } catch (err) {
    throw new Error((err as Error).message);
  }
  // Docker: a numeric user without a group gets the same number as its group.
  if (sameIdAsGroup && !spec.includes(':') && /^\d+$/.test(spec)) return { uid: user.uid, gid: user.uid };
  return { uid: user.uid, gid: user.gid };
}

/** `cp -a` of a folder's contents (owners, modes, links and times kept), or of one file. */
async function copyContents(from: string, to: string): Promise<void> {
  const isDir = (await fs.lstat(from)).isDirectory();
  await new Promise<void>((resolve, reject) => {
    const child = spawn('cp', ['-a', '--', isDir ? `${from}/.` : from, `${to}/`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`cp -a ${from}: ${stderr.trim() || `exit status ${code}`}`))));
  });
}

function parseMode(text: string): number {
  if (!/^[0-7]{1,4}$/.test(text)) throw new Error(`--chmod=${text}: expected an octal mode such as 755`);
  return parseInt(text, 8);
}

function hashText(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}
