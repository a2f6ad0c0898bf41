// Waits until a child process (a dfc build) writes `marker` on its standard error.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';

/**
 * Resolves once standard error holds `marker` (rejects after `ms`) with a function that returns
 * all of it so far: it keeps collecting until the child exits.
 */
export function untilStderr(child: ChildProcessWithoutNullStreams, marker: string, ms = 60000): Promise<() => string> {
  let stderr = '';
  const output = () => stderr;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`"${marker}" never came; standard error:\n${stderr}`)), ms);
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes(marker)) {
        clearTimeout(timer);
        resolve(output);
      }
    });
  });
}

/**
 * A RUN step that prints a marker its own text does not hold (progress output shows the text):
 * seeing the marker means the step is running.
 */
export const RUNNING_STEP = { run: 'RUN echo $((6*7))-started && sleep 60', marker: '42-started' };
