// The cleanup guard: a detached process that holds the runner's pending cleanup jobs and carries
// them out when its input closes without them being released, i.e. when the runner's process died
// (SIGKILL included). Input: JSON lines {"add": id, "job": CleanupJob} and {"done": id}.
import { createInterface } from 'node:readline';
import { cleanUp, type CleanupJob } from './cleanup.js';

const jobs = new Map<string, CleanupJob>();
// Detached from the terminal already; a stray signal must not stop the cleanup either.
for (const signal of ['SIGINT', 'SIGHUP', 'SIGTERM', 'SIGPIPE'] as const) process.on(signal, () => undefined);

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  try {
    const message = JSON.parse(line) as { add?: string; job?: CleanupJob; done?: string };
    if (message.add !== undefined && message.job) jobs.set(message.add, message.job);
    if (message.done !== undefined) jobs.delete(message.done);
  } catch {
    // a torn last line from a killed writer: nothing to act on
  }
});
lines.on('close', () => {
  void (async () => {
    // Latest first: a job registered later may have mounted below a folder an earlier one removes.
    for (const job of [...jobs.values()].reverse()) {
      try {
        await cleanUp(job);
      } catch {
        // best effort: the next job still gets its turn
      }
    }
    process.exit(0);
  })();
});
