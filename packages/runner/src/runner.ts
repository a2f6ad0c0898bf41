// One process in a container over an image's layers: the root file system assembled (overlayfs,
// or a copied root where overlayfs cannot be mounted), the bundle written, the runtime run, the
// diff written as a layer, and everything undone afterwards, whatever happens.
import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { writeLayer, type LayerEntry, type LayerInfo, type Store, type WriteLayerOptions } from '@dfc/store';
import { cleanUp, unmount, type CleanupJob } from './cleanup.js';
import { guardCleanup } from './guard.js';
import { OverlayUnavailableError, mountOverlay, upperDirEntries } from './overlay.js';
import { RootPathError, mkdirInRoot, readFileInRoot, resolveInRoot, touchInRoot } from './root-path.js';
import { findRuntime, runContainer } from './runtime.js';
import { copyRoot, snapshotTree, treeChanges } from './snapshot.js';
import { ETC_FILES, RUNTIME_MOUNT_POINTS, hostsFile, resolvConfFile, rlimitsFromProcLimits, runtimeSpec, type SpecMount } from './spec.js';
import { UnpackedLayers, removeStaleTemps, type LayerRef } from './unpacked-layers.js';
import { parseGroup, parsePasswd, resolveUser, type ProcessUser } from './users.js';

/** A mount the caller adds (RUN --mount and the like). */
export type RunMount =
  | { type: 'bind'; source: string; target: string; readonly?: boolean }
  | { type: 'tmpfs'; target: string; sizeBytes?: number };

/** One process to run over an image's layers. */
export interface RunRequest {
  /** The image's layers, bottom to top, as the store describes them; empty for `scratch`. */
  layers: readonly LayerRef[];
  args: string[];
  /** `K=V` strings; PATH is added when missing. */
  env?: string[];
  /** Working directory inside the container (default /); created when missing. */
  cwd?: string;
  /** `user[:group]`, names or numbers; names resolve from the image's /etc/passwd and /etc/group. */
  user?: string;
  mounts?: RunMount[];
  /** A directory for the run's files (bundle, upper dir, mount point); each run makes and removes its own subdirectory. */
  scratchDir: string;
  hostname?: string;
  /** 'none' (default): a network namespace of its own with only loopback. */
  network?: 'none' | 'host';
  memoryBytes?: number;
  cpus?: number;
  stdin?: Readable;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  /** Aborting kills the process and cleans up; run() then rejects with RunAbortedError. */
  signal?: AbortSignal;
  /** Write the diff as a layer when the process exits 0 (default true). */
  diff?: boolean;
  /** How the layer is written (mtime, compression); the store's defaults otherwise. */
  layerOptions?: WriteLayerOptions;
  /** Keep the container's writable layer in `scratchDir/<id>/upper` after the run (default false). */
  keepUpperDir?: boolean;
  /** The container id (default dfc-<random>); also the runtime's container name. */
  id?: string;
}

export interface RunResult {
  /** The process's exit status (128+N when killed by signal N). Non-zero means the step failed. */
  exitCode: number;
  /** The diff as a layer in the store: only for exit status 0, and none when nothing changed. */
  layer: LayerInfo | undefined;
  /** The container's id. */
  id: string;
  /** The writable layer's directory, when it was kept. */
  upperDir?: string;
  /** Milliseconds spent: root file system and bundle, the runtime's run, diff and layer write. */
  timings: { prepareMs: number; runMs: number; diffMs: number };
}

/** What the build engine calls; a test can hand it a fake that records requests and returns results. */
export interface StepRunner {
  run(request: RunRequest): Promise<RunResult>;
}

export interface RunnerOptions {
  store: Store;
  /** `runc` (default), `crun`, `youki` or a path to an OCI runtime. */
  runtime?: string;
  /** 'auto' (default): overlayfs, else a copied root; 'overlay' or 'copy' to force one. */
  rootfs?: 'auto' | 'overlay' | 'copy';
  /** Told once when overlayfs cannot be used and the copied root is used instead. */
  onNotice?: (message: string) => void;
}

interface Prepared {
  cwd: string;
  mounts: SpecMount[];
  user: ProcessUser;
}

export class Runner implements StepRunner {
  readonly layers: UnpackedLayers;
  private mode: 'auto' | 'overlay' | 'copy';
  private runtimePath: Promise<string> | undefined;

  constructor(readonly options: RunnerOptions) {
    this.layers = new UnpackedLayers(options.store);
    this.mode = options.rootfs ?? 'auto';
  }

  /** The runtime binary; fails with the install command when it is missing. */
  runtime(): Promise<string> {
    this.runtimePath ??= findRuntime(this.options.runtime ?? 'runc');
    this.runtimePath.catch(() => (this.runtimePath = undefined));
    return this.runtimePath;
  }

  async run(request: RunRequest): Promise<RunResult> {
    if (process.getuid?.() !== 0) throw new Error('running a container needs root here (runc and overlayfs mounts); run dfc as root');
    const runtime = await this.runtime();
    const id = request.id ?? `dfc-${randomBytes(6).toString('hex')}`;
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(id)) throw new Error(`container id "${id}" may hold only letters, digits, "_", "." and "-"`);
    const runDir = join(resolve(request.scratchDir), id);
    const dirs = { runDir, merged: join(runDir, 'merged'), upper: join(runDir, 'upper'), bundle: join(runDir, 'bundle') };
    await mkdir(runDir, { recursive: true });
    const useOverlay = this.mode !== 'copy';
    const job: CleanupJob = { runtime, container: id, mounts: useOverlay ? [dirs.merged] : [], remove: [runDir] };
    const release = guardCleanup(id, job);
    let started = false;
    let finished = false;
    const t0 = performance.now();
    try {
      let rootfs: string;
      let diff: () => Promise<LayerEntry[]>;
      let prepared: Prepared;
      if (useOverlay) {
        try {
          ({ prepared, diff } = await this.overlayRoot(request, dirs, job, (j) => guardCleanup(id, j)));
          rootfs = dirs.merged;
        } catch (err) {
          if (!(err instanceof OverlayUnavailableError) || this.mode === 'overlay') throw err;
          this.mode = 'copy';
          this.options.onNotice?.(`${err.message}; using a copied root file system and a tree comparison instead (slower)`);
          await unmount(dirs.merged);
          await rm(runDir, { recursive: true, force: true });
          await mkdir(runDir, { recursive: true });
          ({ prepared, diff, rootfs } = await this.copiedRoot(request, dirs));
        }
      } else {
        ({ prepared, diff, rootfs } = await this.copiedRoot(request, dirs));
      }
      const spec = await this.bundle(request, id, rootfs, prepared, dirs.bundle);
      await writeFile(join(dirs.bundle, 'config.json'), JSON.stringify(spec, null, 2));
      started = true;
      const t1 = performance.now();
      const exitCode = await runContainer(runtime, dirs.bundle, id, request);
      finished = true;
      const t2 = performance.now();
      // `runtime run` deleted the container as it exited, so nothing writes to the upper dir any
      // more: it is read while the overlay comes off.
      const unmounting = useOverlay && this.mode !== 'copy' ? unmount(dirs.merged) : Promise.resolve();
      unmounting.catch(() => undefined);
      let layer: LayerInfo | undefined;
      if (exitCode === 0 && request.diff !== false) {
        const entries = await diff();
        if (entries.length > 0) layer = await writeLayer(this.options.store, entries, request.layerOptions);
      }
      await unmounting;
      const timings = { prepareMs: t1 - t0, runMs: t2 - t1, diffMs: performance.now() - t2 };
      const result: RunResult = { exitCode, layer, id, timings };
      if (request.keepUpperDir && this.mode !== 'copy') result.upperDir = dirs.upper;
      return result;
    } finally {
      const keep = request.keepUpperDir && this.mode !== 'copy';
      // A runtime that failed while making the container may leave it behind in its state dir.
      const leftBehind = started && (!finished || (await isDir(`/run/runc/${id}`)) || (await isDir(`/run/crun/${id}`)));
      const undo: CleanupJob = {
        runtime,
        container: leftBehind ? id : undefined,
        mounts: job.mounts,
        remove: keep ? [dirs.merged, dirs.bundle, join(runDir, 'work'), ...job.remove.slice(1)] : job.remove,
      };
      await cleanUp(undo);
      release();
    }
  }

  private async overlayRoot(request: RunRequest, dirs: { runDir: string; merged: string; upper: string }, job: CleanupJob, update: (job: CleanupJob) => void): Promise<{ prepared: Prepared; diff: () => Promise<LayerEntry[]> }> {
    const points = await mountPoints(request);
    const lowers = (await Promise.all(request.layers.map((l) => this.layers.ensure(l)))).reverse();
    const { runDir, merged, upper } = dirs;
    for (const d of [merged, upper, join(runDir, 'work')]) await mkdir(d, { mode: 0o755 });
    // mount runs in the layer cache (relative lower dirs), which an image without layers never made.
    await mkdir(this.layers.dir, { recursive: true });
    const prep = await this.mountPointLayer(request.layers, lowers, points, merged, job, update);
    await mountOverlay([prep, ...lowers], upper, join(runDir, 'work'), merged, this.layers.dir);
    const prepared = await resolveRoot(merged, request, points);
    prepared.cwd = await makeCwd(merged, request.cwd);
    return { prepared, diff: () => upperDirEntries(upper) };
  }

  /**
   * A lower dir with the mount points (and their parents, with the image's own metadata, which
   * overlay copy-up gives them) that sits below the fresh upper dir, so no diff ever holds them.
   * Made once per image and set of mount points, beside the unpacked layers.
   */
  private async mountPointLayer(layers: readonly LayerRef[], lowers: string[], points: MountPoint[], target: string, job: CleanupJob, update: (job: CleanupJob) => void): Promise<string> {
    const key = createHash('sha256').update(JSON.stringify({ v: 1, layers: layers.map((l) => l.diffId), points })).digest('hex');
    const base = join(this.options.store.recordsDir, 'mount-points');
    const path = join(base, key);
    if (await isDir(path)) return path;
    await mkdir(base, { recursive: true });
    await removeStaleTemps(base);
    const tmp = join(base, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
    const upper = join(tmp, 'upper');
    job.remove.push(tmp);
    update(job);
    try {
      await mkdir(join(tmp, 'work'), { recursive: true });
      await mkdir(join(tmp, 'empty'));
      await mkdir(upper, { mode: 0o755 });
      await mountOverlay(lowers.length > 0 ? lowers : [join(tmp, 'empty')], upper, join(tmp, 'work'), target, this.layers.dir);
      try {
        await makeMountPoints(target, points);
      } finally {
        await unmount(target);
      }
      try {
        await rename(upper, path);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      }
      return path;
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  private async copiedRoot(request: RunRequest, dirs: { runDir: string }): Promise<{ prepared: Prepared; diff: () => Promise<LayerEntry[]>; rootfs: string }> {
    const points = await mountPoints(request);
    const rootfs = join(dirs.runDir, 'rootfs');
    await mkdir(rootfs, { mode: 0o755 });
    await copyRoot(this.options.store, request.layers, rootfs);
    await makeMountPoints(rootfs, points);
    const prepared = await resolveRoot(rootfs, request, points);
    // The snapshot comes after the mount points are made, so they never count as changes.
    const before = await snapshotTree(rootfs);
    prepared.cwd = await makeCwd(rootfs, request.cwd);
    return { prepared, rootfs, diff: () => treeChanges(rootfs, before) };
  }

  private async bundle(request: RunRequest, id: string, rootfs: string, prepared: Prepared, bundle: string) {
    await mkdir(bundle, { mode: 0o700 });
    const hostname = request.hostname ?? id.replace(/^dfc-/, '').slice(0, 12);
    const network = request.network ?? 'none';
    const etc = { hosts: join(bundle, 'hosts'), hostname: join(bundle, 'hostname'), resolvConf: join(bundle, 'resolv.conf') };
    const hostResolv = network === 'host' ? await readFile('/etc/resolv.conf', 'utf8').catch(() => undefined) : undefined;
    const [limits] = await Promise.all([
      readFile('/proc/self/limits', 'utf8').catch(() => ''),
      writeFile(etc.hosts, hostsFile(hostname), { mode: 0o644 }),
      writeFile(etc.hostname, `${hostname}\n`, { mode: 0o644 }),
      writeFile(etc.resolvConf, resolvConfFile(hostResolv, network), { mode: 0o644 }),
    ]);
    return runtimeSpec({
      args: request.args,
      env: request.env ?? [],
      cwd: prepared.cwd,
      user: prepared.user,
      rootfs,
      hostname,
      etc,
      mounts: prepared.mounts,
      network,
      rlimits: rlimitsFromProcLimits(limits),
      memoryBytes: request.memoryBytes,
      cpus: request.cpus,
    });
  }
}

/** Whether a resolved path lies in a file system the runtime mounts (/proc, /dev, /sys). */
function inRuntimeMount(parts: string[]): string | undefined {
  return parts.length > 0 && RUNTIME_MOUNT_POINTS.includes(parts[0]!) ? `/${parts[0]}` : undefined;
}

/** A path the runtime mounts something on, and whether a directory or a file goes there. */
interface MountPoint {
  path: string;
  kind: 'dir' | 'file';
}

async function mountPoints(request: RunRequest): Promise<MountPoint[]> {
  const points: MountPoint[] = [...RUNTIME_MOUNT_POINTS.map((path) => ({ path, kind: 'dir' as const })), ...ETC_FILES.map((path) => ({ path, kind: 'file' as const }))];
  for (const m of request.mounts ?? []) {
    if (m.type === 'tmpfs') points.push({ path: m.target, kind: 'dir' });
    else {
      const st = await stat(m.source).catch(() => undefined);
      if (!st) throw new Error(`mount source ${m.source} does not exist`);
      points.push({ path: m.target, kind: st.isDirectory() ? 'dir' : 'file' });
    }
  }
  return points;
}

async function makeMountPoints(root: string, points: MountPoint[]): Promise<void> {
  for (const point of points) {
    const made = point.kind === 'dir' ? await mkdirInRoot(root, point.path) : await touchInRoot(root, point.path);
    checkMountPoint(point, made.parts);
  }
}

function checkMountPoint(point: MountPoint, parts: string[]): void {
  const clean = point.path.split('/').filter((p) => p !== '' && p !== '.').join('/');
  if ((RUNTIME_MOUNT_POINTS as readonly string[]).includes(clean)) {
    if (parts.join('/') !== clean) throw new RootPathError(`/${clean} in the image leads to /${parts.join('/')}; the runtime mounts its own /${clean}`);
    return;
  }
  const under = inRuntimeMount(parts);
  if (under || parts.length === 0) throw new RootPathError(`mount point /${clean} leads to /${parts.join('/')} in the image; refusing to mount there`);
}

/** Reads the user and checks the working directory and every mount point, before the run. */
async function resolveRoot(root: string, request: RunRequest, points: MountPoint[]): Promise<Prepared> {
  if (request.args.length === 0) throw new Error('no command to run');
  const [passwd, group] = await Promise.all([readFileInRoot(root, '/etc/passwd'), readFileInRoot(root, '/etc/group')]);
  const user = resolveUser(request.user, parsePasswd(passwd ?? ''), parseGroup(group ?? ''));
  await checkCwd(root, request.cwd);
  const extra = points.slice(RUNTIME_MOUNT_POINTS.length + ETC_FILES.length);
  const mounts: SpecMount[] = [];
  for (const [i, m] of (request.mounts ?? []).entries()) {
    const resolved = await resolveInRoot(root, m.target);
    checkMountPoint(extra[i]!, resolved.parts);
    const destination = `/${resolved.parts.join('/')}`;
    if (m.type === 'bind') mounts.push({ destination, type: 'bind', source: resolve(m.source), options: ['rbind', 'rprivate', ...(m.readonly ? ['ro'] : [])] });
    else mounts.push({ destination, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777', ...(m.sizeBytes ? [`size=${m.sizeBytes}`] : [])] });
  }
  return { cwd: '/', mounts, user };
}

async function checkCwd(root: string, cwd: string | undefined): Promise<void> {
  if (cwd === undefined || cwd === '' || cwd === '/') return;
  if (!cwd.startsWith('/')) throw new RootPathError(`working directory "${cwd}" is not an absolute path`);
  const resolved = await resolveInRoot(root, cwd);
  const under = inRuntimeMount(resolved.parts);
  if (under) throw new RootPathError(`working directory "${cwd}" lies in ${under}, which the runtime mounts for the process; choose a directory of the image`);
}

/** Makes the working directory when missing (it belongs in the diff, as with Docker) and gives its path in the root. */
async function makeCwd(root: string, cwd: string | undefined): Promise<string> {
  if (cwd === undefined || cwd === '' || cwd === '/') return '/';
  await checkCwd(root, cwd);
  const made = await mkdirInRoot(root, cwd);
  return `/${made.parts.join('/')}`;
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isDirectory();
  } catch {
    return false;
  }
}
