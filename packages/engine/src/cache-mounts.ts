// RUN --mount=type=cache: folders kept beside the store (`.dfc/run-cache/<key>/<n>`) from build to
// build, never part of a layer. As in BuildKit:
// - the cache is named by its id (default: the target), and by uid, gid and mode when one is
//   given (BuildKit makes such a cache from a base folder with that owner and mode, so it is
//   another cache), which the folder gets when it is made;
// - from= (and source=) seeds a new folder with a stage's or an image's files, and makes it
//   another cache too (BuildKit keys a cache dir by its base as well);
// - sharing=shared (default): every user gets the same folder at the same time;
// - locked: users of the same cache take turns (a lock file, so two dfc processes do too);
// - private: a user gets a folder of the cache that no one is using, a new empty one when all are.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pidAlive } from '@dfc/store';

export type CacheSharing = 'shared' | 'private' | 'locked';

export interface CacheMountSpec {
  id: string;
  sharing: CacheSharing;
  uid?: number;
  gid?: number;
  mode?: number;
  /** The files a new folder starts with: `name` tells one seed from another, `fill` copies them in. */
  seed?: { name: string; fill(dir: string): Promise<void> };
}

export interface CacheLease {
  dir: string;
  release(): Promise<void>;
}

export class CacheMounts {
  /** Users in this process per folder (a lock file cannot tell a shared user of ours apart). */
  private readonly users = new Map<string, number>();

  constructor(readonly dir: string) {}

  async acquire(spec: CacheMountSpec, signal?: AbortSignal): Promise<CacheLease> {
    const owned = spec.uid !== undefined || spec.gid !== undefined || spec.mode !== undefined;
    let name = owned ? `${spec.id}\0${spec.uid ?? 0}:${spec.gid ?? 0}:${(spec.mode ?? 0o755).toString(8)}` : spec.id;
    if (spec.seed) name += `\0from ${spec.seed.name}`;
    const base = path.join(this.dir, createHash('sha256').update(name).digest('hex').slice(0, 32));
    await fs.mkdir(base, { recursive: true });
    let index = 0;
    let lock: string | undefined;
    if (spec.sharing === 'locked') {
      lock = path.join(base, '0.lock');
      while (!(await tryLock(lock))) {
        signal?.throwIfAborted();
        await sleep(50);
      }
    } else if (spec.sharing === 'private') {
      for (;; index++) {
        const folder = path.join(base, String(index));
        if ((this.users.get(folder) ?? 0) > 0) continue;
        if (await tryLock(`${folder}.lock`)) {
          lock = `${folder}.lock`;
          break;
        }
      }
    }
    const folder = path.join(base, String(index));
    this.users.set(folder, (this.users.get(folder) ?? 0) + 1);
    try {
      await makeFolder(folder, owned ? spec : undefined, spec.seed);
    } catch (err) {
      await this.release(folder, lock);
      throw err;
    }
    let released = false;
    return {
      dir: folder,
      release: async () => {
        if (released) return;
        released = true;
        await this.release(folder, lock);
      },
    };
  }

  private async release(folder: string, lock: string | undefined): Promise<void> {
    const left = (this.users.get(folder) ?? 1) - 1;
    if (left > 0) this.users.set(folder, left);
    else this.users.delete(folder);
    if (lock) await fs.rm(lock, { force: true });
  }
}

/**
 * Makes the folder when it is new: seeded (in a temp folder renamed into place, so a failed copy
 * leaves no half-seeded cache), with the given owner and mode.
 */
async function makeFolder(folder: string, attrs: { uid?: number; gid?: number; mode?: number } | undefined, seed: CacheMountSpec['seed']): Promise<void> {
  if (await fs.stat(folder).then(() => true, () => false)) return;
  const tmp = `${folder}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await fs.mkdir(tmp, { mode: 0o755 });
    if (seed) await seed.fill(tmp);
    await fs.rename(tmp, folder);
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTEMPTY') return;
    throw err;
  }
  if (!attrs) return;
  await fs.chown(folder, attrs.uid ?? 0, attrs.gid ?? 0);
  await fs.chmod(folder, attrs.mode ?? 0o755);
}

/** Takes the lock file (holding our pid), or takes it over from a process that is gone. */
async function tryLock(file: string): Promise<boolean> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await fs.writeFile(file, `${process.pid}\n`, { flag: 'wx' });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = Number.parseInt(await fs.readFile(file, 'utf8').catch(() => ''), 10);
    // A lock file without a pid is one being written this instant: busy.
    if (!Number.isInteger(pid) || pid <= 0 || pidAlive(pid)) return false;
    await fs.rm(file, { force: true });
  }
  return false;
}
