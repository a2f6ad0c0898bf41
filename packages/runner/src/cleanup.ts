// Undoing a run: the container deleted, its mounts detached, its directories removed. The runner
// does this itself; the cleanup guard does the same when the runner's process was killed.
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';

/** What one run leaves behind until it is cleaned up. */
export interface CleanupJob {
  /** The runtime binary and the container id it was given. */
  runtime?: string;
  container?: string;
  /** Mount points to detach (the overlay root), innermost last. */
  mounts: string[];
  /** Directories to remove once nothing is mounted below them. */
  remove: string[];
}

function quiet(file: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: 'ignore' });
    child.on('error', () => resolve(-1));
    child.on('close', (code) => resolve(code ?? -1));
  });
}

export interface MountEntry {
  point: string;
  fsType: string;
  /** The file system's own options, e.g. an overlay's `lowerdir=…` (octal escapes undone). */
  superOptions: string;
}

/** This process's mounts, from /proc/self/mountinfo. */
export async function mountTable(): Promise<MountEntry[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const point = fields[4];
    if (point === undefined) continue;
    // After the optional fields and a lone `-`: the type, the source and the super options.
    const rest = fields.slice(fields.indexOf('-', 6) + 1);
    out.push({ point: unescapeOctal(point), fsType: rest[0] ?? '', superOptions: unescapeOctal(rest[2] ?? '') });
  }
  return out;
}

/** mountinfo escapes space, tab, newline and backslash as octal. */
function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Mount points below (or at) `dir`, from `table` (else /proc/self/mountinfo now). */
export async function mountsBelow(dir: string, table?: MountEntry[]): Promise<string[]> {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return (table ?? (await mountTable())).map((m) => m.point).filter((point) => point === dir || point.startsWith(prefix));
}

export async function isMounted(dir: string): Promise<boolean> {
  return (await mountsBelow(dir)).includes(dir);
}

/** Detaches a mount; a busy one is detached lazily, so it goes once its last user does. */
export async function unmount(dir: string): Promise<void> {
  if (!(await isMounted(dir))) return;
  if ((await quiet('umount', [dir])) === 0) return;
  if ((await quiet('umount', ['-l', dir])) === 0) return;
  if (await isMounted(dir)) throw new Error(`${dir}: cannot unmount it; run: umount -l ${dir}`);
}

export async function killContainer(runtime: string, container: string): Promise<void> {
  await quiet(runtime, ['kill', container, 'KILL']);
}

/** Deletes the container whatever its state; a container that is already gone is fine. */
export async function deleteContainer(runtime: string, container: string): Promise<void> {
  await quiet(runtime, ['delete', '--force', container]);
}

/** Does the whole job; never throws for a part already undone. */
export async function cleanUp(job: CleanupJob): Promise<void> {
  if (job.runtime && job.container) {
    await killContainer(job.runtime, job.container);
    await deleteContainer(job.runtime, job.container);
  }
  for (const point of [...job.mounts].reverse()) await unmount(point);
  for (const dir of job.remove) {
    // Never remove through a mount: what is below it is not ours.
    if ((await mountsBelow(dir)).length > 0) throw new Error(`${dir}: still has mounts below it; not removed`);
    await rm(dir, { recursive: true, force: true });
  }
}
