// Paths inside a root file system, resolved the way the container will see them: symlinks are
// followed inside the root (an absolute target starts again at the root) and `..` stops at the
// root, so no path of the image can name a host file.
import { constants } from 'node:fs';
import { lstat, mkdir, open, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export class RootPathError extends Error {}

export interface RootPath {
  /** The resolved path, relative to the root, as clean parts. */
  parts: string[];
  /** Host path of the resolved location. */
  host: string;
  /** Whether it exists; when it does not, every part after the first missing one was taken as written. */
  exists: boolean;
}

const MAX_LINKS = 40;

export async function resolveInRoot(root: string, path: string): Promise<RootPath> {
  const queue = path.split('/');
  const parts: string[] = [];
  let hops = 0;
  let missing = false;
  while (queue.length > 0) {
    const part = queue.shift()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      parts.pop();
      continue;
    }
    if (missing) {
      parts.push(part);
      continue;
    }
    const host = join(root, ...parts, part);
    let st;
    try {
      st = await lstat(host);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        missing = true;
        parts.push(part);
        continue;
      }
      if (code === 'ENOTDIR') throw new RootPathError(`"${path}": /${parts.join('/')} is not a directory`);
      throw err;
    }
    if (st.isSymbolicLink()) {
      if (++hops > MAX_LINKS) throw new RootPathError(`"${path}": too many levels of symbolic links`);
      const target = await readlink(host);
      if (target.startsWith('/')) parts.length = 0;
      queue.unshift(...target.split('/'));
      continue;
    }
    if (queue.some((p) => p !== '' && p !== '.') && !st.isDirectory()) {
      throw new RootPathError(`"${path}": /${[...parts, part].join('/')} is not a directory`);
    }
    parts.push(part);
  }
  return { parts, host: join(root, ...parts), exists: !missing };
}

/** Makes a directory (and its missing parents, mode 0755, owned by root) inside the root. */
export async function mkdirInRoot(root: string, path: string): Promise<RootPath> {
  const resolved = await resolveInRoot(root, path);
  if (resolved.exists) {
    const st = await lstat(resolved.host);
    if (!st.isDirectory()) throw new RootPathError(`"${path}" exists and is not a directory`);
    return resolved;
  }
  // Only the missing tail is created; nothing runs in the root while we do it.
  await mkdir(resolved.host, { recursive: true, mode: 0o755 });
  return resolved;
}

/** Makes an empty file (and missing parent directories) inside the root, to mount a file over. */
export async function touchInRoot(root: string, path: string): Promise<RootPath> {
  const resolved = await resolveInRoot(root, path);
  if (resolved.parts.length === 0) throw new RootPathError(`"${path}" is the root directory, not a file`);
  if (resolved.exists) {
    const st = await lstat(resolved.host);
    if (st.isDirectory()) throw new RootPathError(`"${path}" is a directory in the image; a file is mounted there`);
    return resolved;
  }
  await mkdir(join(root, ...resolved.parts.slice(0, -1)), { recursive: true, mode: 0o755 });
  await writeFile(resolved.host, '', { flag: 'wx', mode: 0o644 });
  return resolved;
}

/**
 * Reads a regular file of the image, or undefined when there is none. A FIFO or device there
 * (which could block or read the host's device) is refused, and so is a file over `limit` bytes.
 */
export async function readFileInRoot(root: string, path: string, limit = 16 << 20): Promise<string | undefined> {
  let resolved: RootPath;
  try {
    resolved = await resolveInRoot(root, path);
  } catch (err) {
    if (err instanceof RootPathError) return undefined;
    throw err;
  }
  if (!resolved.exists) return undefined;
  // lstat before open: opening a device node of the image would open the host's device.
  if (!(await lstat(resolved.host)).isFile()) throw new RootPathError(`${path} in the image is not a regular file`);
  const handle = await open(resolved.host, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new RootPathError(`${path} in the image is not a regular file`);
    if (st.size > limit) throw new RootPathError(`${path} in the image is larger than ${limit} bytes`);
    return (await handle.readFile()).toString('utf8');
  } finally {
    await handle.close();
  }
}
