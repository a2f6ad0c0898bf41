// The runner's side of the cleanup guard (see cleanup-guard.ts): one guard process per runner
// process, started on first use, told about each run before it mounts or starts anything.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Socket } from 'node:net';
import type { CleanupJob } from './cleanup.js';

let guard: ChildProcess | undefined;

function guardProcess(): ChildProcess {
  if (guard && guard.exitCode === null && guard.stdin?.writable) return guard;
  const script = fileURLToPath(new URL('./cleanup-guard.js', import.meta.url));
  guard = spawn(process.execPath, [script], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  guard.on('error', () => undefined);
  guard.stdin!.on('error', () => undefined);
  // Neither the guard nor its pipe may keep this process alive.
  guard.unref();
  (guard.stdin as unknown as Socket).unref?.();
  return guard;
}

/** Registers a job with the guard; the returned function releases it once it is done. */
export function guardCleanup(id: string, job: CleanupJob): () => void {
  const child = guardProcess();
  child.stdin!.write(`${JSON.stringify({ add: id, job })}\n`);
  return () => {
    if (child.stdin?.writable) child.stdin.write(`${JSON.stringify({ done: id })}\n`);
  };
}
