// Shared test set-up: a store with the busybox image, scratch directories, and the host tools the
// runner needs. A missing tool fails the suite with the command that installs it; nothing skips.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { Store, makeBusyboxImage, resolveImage, writeLayer, putImage, type LayerEntry, type ImageRecord } from '@dfc/store';
import { Runner, type LayerRef, type RunRequest, type RunResult } from '../src/index.js';

/** packages/runner/dist/test → repository root. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const runnerDist = path.join(repoRoot, 'packages', 'runner', 'dist', 'src', 'index.js');
export const dfcBin = path.join(repoRoot, 'packages', 'cli', 'bin', 'dfc.js');

const scratch: string[] = [];

export function tempDir(prefix = 'dfc-runner-test-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

after(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** Fails (never skips) when the runner cannot work here, saying what to install. */
export function requireRunTools(): void {
  if (process.getuid?.() !== 0) throw new Error('the runner tests need root (runc and overlayfs mounts); run them as root, as CI does');
  const tools: [string, string][] = [['/usr/sbin/runc', 'runc'], ['/usr/bin/getfattr', 'attr'], ['/bin/busybox', 'busybox-static']];
  for (const [file, pkg] of tools) {
    const found = existsSync(file) || spawnSync('sh', ['-c', `command -v ${path.basename(file)}`]).status === 0;
    if (!found) throw new Error(`${path.basename(file)} is missing; install it with: apt-get install -y ${pkg}`);
  }
  if (!readFileSync('/proc/filesystems', 'utf8').includes('overlay')) {
    const load = spawnSync('modprobe', ['overlay']);
    if (load.status !== 0) throw new Error('overlayfs is not available in this kernel; load it with: modprobe overlay');
  }
}

export interface Fixture {
  store: Store;
  busybox: ImageRecord;
  layers: LayerRef[];
  scratchDir: string;
  runner: Runner;
}

export function layersOf(image: ImageRecord): LayerRef[] {
  return image.manifest.layers.map((descriptor, i) => ({ descriptor, diffId: image.config.rootfs.diff_ids[i]! }));
}

export async function fixture(): Promise<Fixture> {
  requireRunTools();
  const root = tempDir('dfc-runner-store-');
  const store = await Store.open(root);
  await makeBusyboxImage(store);
  const busybox = await resolveImage(store, 'busybox');
  const scratchDir = path.join(root, 'scratch');
  return { store, busybox, layers: layersOf(busybox), scratchDir, runner: new Runner({ store }) };
}

/** Runs a shell script over `layers`, collecting its output. */
export async function sh(
  f: Fixture,
  script: string,
  extra: Partial<RunRequest> & { runner?: Runner } = {},
): Promise<RunResult & { stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const runner = extra.runner ?? f.runner;
  const result = await runner.run({
    layers: f.layers,
    scratchDir: f.scratchDir,
    ...extra,
    args: ['sh', '-c', script],
    onStdout: (c) => (stdout += c.toString()),
    onStderr: (c) => (stderr += c.toString()),
  });
  return { ...result, stdout, stderr };
}

/** A layer's tar entries as `type name` lines, in order. */
export async function layerListing(store: Store, digest: string): Promise<string[]> {
  const { createGunzip } = await import('node:zlib');
  const extract = tar.extract();
  const out: string[] = [];
  const source = store.openBlob(digest as `sha256:${string}`).pipe(createGunzip());
  source.pipe(extract as unknown as NodeJS.WritableStream);
  for await (const entry of extract) {
    const h = entry.header;
    out.push(`${h.type} ${h.name}${h.type === 'symlink' ? ` -> ${h.linkname}` : ''}`);
    entry.resume();
  }
  return out;
}

/** An image of busybox plus one layer of `entries`, tagged `tag`. */
export async function imageWith(f: Fixture, tag: string, entries: LayerEntry[]): Promise<LayerRef[]> {
  const layer = await writeLayer(f.store, entries, { mtime: 0 });
  const base = f.busybox;
  const image = await putImage(f.store, { config: { ...base.config, history: undefined }, layers: [...layersOf(base), layer], tags: [tag] });
  return layersOf(image);
}

/** Ids of the runc containers that exist now; with `under`, only those whose bundle lies there. */
export function runcContainers(under?: string): string[] {
  const out = spawnSync('runc', ['list', '--format', 'json'], { encoding: 'utf8' });
  const list = (JSON.parse(out.stdout.trim() || 'null') ?? []) as { id: string; bundle: string }[];
  return list.filter((c) => under === undefined || c.bundle.startsWith(`${under}/`)).map((c) => c.id);
}

/** Mount points under `dir`. */
export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((p) => p === dir || p.startsWith(`${dir}/`));
}

export function streamOf(buffer: Buffer): Readable {
  return Readable.from([buffer]);
}
