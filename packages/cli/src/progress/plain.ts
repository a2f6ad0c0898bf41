// Build progress, line by line (for CI and logs): what runs, what comes from the cache and why a
// step missed, and every output line, never clipped.
import type { BuildEvent, StepInfo } from '@dfc/engine';
import type { CommandIO } from '../command.js';

export interface ProgressDisplay {
  event(e: BuildEvent): void;
  /** After a failure: whatever the display still owes the user (the failed step's output tail). */
  tail(): void;
}

/** Line by line: what runs, what comes from the cache and why a step missed, and every output line. */
export class PlainProgress implements ProgressDisplay {
  private steps: StepInfo[] = [];
  private readonly recent = new Map<number, string[]>();
  private failed: number | undefined;

  constructor(
    private readonly io: CommandIO,
    private readonly file: string,
    private readonly quiet: boolean,
  ) {}

  private write(line: string): void {
    if (!this.quiet) this.io.stderr.write(line + '\n');
  }

  event(e: BuildEvent): void {
    switch (e.type) {
      case 'plan':
        this.steps = e.steps;
        break;
      case 'context':
        this.write(`#0 context: ${e.files} entries, ${e.hashed} file(s) hashed, ${e.cached} unchanged (${e.ms} ms)`);
        break;
      case 'step-start': {
        const s = this.steps[e.step]!;
        if (!s.metaOnly) this.write(`#${e.step + 1} ${s.name}${s.line ? ` (${this.file}:${s.line})` : ''}`);
        break;
      }
      case 'step-cached':
        this.write(`#${e.step + 1} CACHED`);
        break;
      case 'step-miss':
        this.write(`#${e.step + 1} cache miss: ${e.reason}`);
        break;
      case 'step-output': {
        const lines = e.data.replace(/\n$/, '').split('\n');
        const kept = this.recent.get(e.step) ?? [];
        for (const line of lines) {
          this.write(`#${e.step + 1} ${line}`);
          kept.push(line);
        }
        this.recent.set(e.step, kept.slice(-20));
        break;
      }
      case 'step-done':
        if (!this.steps[e.step]!.metaOnly) this.write(`#${e.step + 1} DONE ${(e.ms / 1000).toFixed(1)}s`);
        break;
      case 'step-error':
        this.failed = e.step;
        this.write(`#${e.step + 1} ERROR: ${e.message}`);
        break;
      case 'notice':
        this.write(`note: ${e.message}`);
        break;
      case 'image':
        this.write(`#${this.steps.length + 1} image ${e.id}${e.tags.length ? ` tagged ${e.tags.join(', ')}` : ''}`);
        break;
    }
  }

  /** After a failure in quiet mode, the failed step's last output lines still reach the user. */
  tail(): void {
    if (!this.quiet || this.failed === undefined) return;
    for (const line of this.recent.get(this.failed) ?? []) this.io.stderr.write(`  ${line}\n`);
  }
}
