// An exclusive lock between processes: a lock file created with O_EXCL holding the owner's pid.
// A lock whose owner died (SIGKILL, crash) is taken over, so a killed writer never wedges the store.
import { link, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';

export interface LockOptions {
  /** Give up after this long; the error names the lock file. Default 60 s. */
  timeoutMs?: number;
}

/** Whether process `pid` exists (EPERM: it does, under another user). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface Owner {
  pid: number;
  text: string;
}

async function ownerOf(path: string): Promise<Owner | undefined> {
  try {
    const text = await readFile(path, 'utf8');
    const pid = Number.parseInt(text, 10);
    return Number.isInteger(pid) && pid > 0 ? { pid, text } : undefined;
  } catch {
    return undefined;
  }
}

async function ageMs(path: string): Promise<number> {
  try {
    return Date.now() - (await stat(path)).mtimeMs;
  } catch {
    return 0;
  }
}

/** Moves a dead owner's lock aside; when a racing taker's fresh lock was moved instead, puts it back. */
async function takeOver(path: string, stale: Owner, token: string): Promise<void> {
  const aside = `${path}.stale-${token}`;
  try {
    await rename(path, aside);
  } catch {
    return; // another taker moved it first
  }
  const moved = await readFile(aside, 'utf8').catch(() => stale.text);
  if (moved !== stale.text) await link(aside, path).catch(() => undefined);
  await rm(aside, { force: true });
}

async function tryCreate(path: string, token: string): Promise<boolean> {
  try {
    const fh = await open(path, 'wx', 0o644);
    try {
      await fh.writeFile(`${process.pid} ${token}\n`);
    } finally {
      await fh.close();
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** Runs `fn` holding the lock at `path`; the lock is released when `fn` settles. */
export async function withLock<T>(path: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const token = randomBytes(8).toString('hex');
  let delay = 2;
  for (;;) {
    if (await tryCreate(path, token)) break;
    const owner = await ownerOf(path);
    // A lock file without a pid yet belongs to a writer between open and write: wait for it.
    if (owner !== undefined && owner.pid !== process.pid && !pidAlive(owner.pid)) {
      await takeOver(path, owner, token);
      continue;
    }
    if (owner === undefined && (await ageMs(path)) > 10_000) {
      await takeOver(path, { pid: 0, text: await readFile(path, 'utf8').catch(() => '') }, token);
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`${path}: timed out waiting for the store lock (held by pid ${owner?.pid ?? '?'})`);
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 50);
  }
  try {
    return await fn();
  } finally {
    // Remove only our own lock file.
    const text = await readFile(path, 'utf8').catch(() => '');
    if (text.includes(token)) await rm(path, { force: true });
  }
}
