// The OCI runtime binary (runc by default, or crun, youki, or a path) and one foreground run of a
// bundle with it: output streamed as it comes, the exit status returned.
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { deleteContainer, killContainer } from './cleanup.js';

export class RuntimeNotFoundError extends Error {}

/** `runc`, `crun`, `youki` (looked up in PATH) or a path to a runtime binary. */
export async function findRuntime(name = 'runc', env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const hint = name === 'crun' ? 'apt-get install -y crun' : 'apt-get install -y runc';
  const candidates = name.includes('/')
    ? [isAbsolute(name) ? name : resolve(name)]
    : (env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter).filter(Boolean).map((dir) => join(dir, name));
  for (const path of candidates) {
    try {
      await access(path, constants.X_OK);
      return path;
    } catch {
      // next
    }
  }
  if (name.includes('/')) throw new RuntimeNotFoundError(`OCI runtime ${name} not found or not executable; give a runtime binary, or install runc with: ${hint}`);
  throw new RuntimeNotFoundError(`OCI runtime "${name}" not found in PATH; install it with: ${hint}`);
}

export interface ContainerIO {
  stdin?: Readable;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  signal?: AbortSignal;
}

export class RunAbortedError extends Error {
  override name = 'AbortError';
}

/**
 * Runs the bundle's process in the foreground (`runtime run`) and returns its exit status. On
 * abort the container is killed and deleted, and RunAbortedError is thrown.
 */
export function runContainer(runtime: string, bundle: string, id: string, io: ContainerIO): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    if (io.signal?.aborted) return reject(new RunAbortedError('the run was cancelled before it started'));
    // Its own process group: a Ctrl-C reaches dfc, which then stops the container itself.
    const child = spawn(runtime, ['run', '--bundle', bundle, id], { stdio: [io.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'], detached: true });
    let aborted = false;
    const onAbort = (): void => {
      aborted = true;
      void killContainer(runtime, id).then(() => {
        // If the container did not exist yet, runc itself is stopped; delete clears a half-made one.
        setTimeout(() => child.kill('SIGKILL'), 2000).unref();
        return deleteContainer(runtime, id);
      });
    };
    io.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout!.on('data', (chunk: Buffer) => io.onStdout?.(chunk));
    child.stderr!.on('data', (chunk: Buffer) => io.onStderr?.(chunk));
    if (io.stdin && child.stdin) {
      child.stdin.on('error', () => undefined);
      io.stdin.pipe(child.stdin);
    }
    child.on('error', (err) => {
      io.signal?.removeEventListener('abort', onAbort);
      reject(new Error(`${runtime}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      io.signal?.removeEventListener('abort', onAbort);
      if (io.stdin && child.stdin) io.stdin.unpipe(child.stdin);
      if (aborted) return reject(new RunAbortedError('the run was cancelled'));
      resolvePromise(code ?? 128 + (signal ? (osConstants.signals as Record<string, number>)[signal] ?? 0 : 0));
    });
  });
}
