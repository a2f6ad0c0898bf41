// The live build view for a terminal, like BuildKit's: finished steps scroll up with their time
// (or CACHED), running steps stay at the bottom with a clock and the tail of their output.
import { Chalk, type ChalkInstance } from 'chalk';
import type { BuildEvent, StepInfo } from '@dfc/engine';
import type { ProgressDisplay } from './plain.js';

const FRAME_MS = 100;
const TAIL_LINES = 3;

interface Running {
  started: number;
  tail: string[];
  reason?: string;
}

export class TtyProgress implements ProgressDisplay {
  private steps: StepInfo[] = [];
  private readonly running = new Map<number, Running>();
  private readonly output = new Map<number, string[]>();
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly c: ChalkInstance;

  constructor(
    private readonly stream: NodeJS.WritableStream & { columns?: number },
    private readonly file: string,
    color: boolean,
  ) {
    this.c = new Chalk({ level: color ? 1 : 0 });
  }

  event(e: BuildEvent): void {
    switch (e.type) {
      case 'plan':
        this.steps = e.steps;
        this.timer = setInterval(() => this.draw(), FRAME_MS);
        this.timer.unref();
        break;
      case 'context':
        this.print(this.c.dim(`[+] context: ${e.files} entries, ${e.hashed} hashed, ${e.cached} unchanged (${e.ms} ms)`));
        break;
      case 'step-start':
        if (!this.steps[e.step]!.metaOnly) this.running.set(e.step, { started: Date.now(), tail: [] });
        break;
      case 'step-miss': {
        const r = this.running.get(e.step);
        if (r) r.reason = e.reason;
        break;
      }
      case 'step-output': {
        const r = this.running.get(e.step);
        const lines = e.data.replace(/\n$/, '').split('\n');
        const kept = this.output.get(e.step) ?? [];
        kept.push(...lines);
        this.output.set(e.step, kept.slice(-20));
        if (r) r.tail = [...r.tail, ...lines].slice(-TAIL_LINES);
        break;
      }
      case 'step-done': {
        const s = this.steps[e.step]!;
        const r = this.running.get(e.step);
        this.running.delete(e.step);
        if (s.metaOnly) break;
        const mark = e.cached ? this.c.blue('CACHED') : this.c.green(`${(e.ms / 1000).toFixed(1)}s`);
        const why = !e.cached && r?.reason ? this.c.dim(` (${r.reason})`) : '';
        this.print(`${this.c.green('✔')} ${this.label(s)} ${mark}${why}`);
        break;
      }
      case 'step-error': {
        const s = this.steps[e.step]!;
        this.running.delete(e.step);
        this.print(`${this.c.red('✘')} ${this.label(s)} ${this.c.red('ERROR')}`);
        for (const line of this.output.get(e.step) ?? []) this.print(this.c.dim(`    ${line}`));
        break;
      }
      case 'notice':
        this.print(this.c.yellow(`note: ${e.message}`));
        break;
      case 'image':
        this.stop();
        this.print(`${this.c.green('✔')} image ${e.id}${e.tags.length ? ` tagged ${e.tags.join(', ')}` : ''}`);
        break;
    }
  }

  tail(): void {
    this.stop();
  }

  private label(s: StepInfo): string {
    return `${s.name}${s.line ? this.c.dim(` ${this.file}:${s.line}`) : ''}`;
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }

  /** Prints a permanent line above the live block. */
  private print(line: string): void {
    this.clear();
    this.stream.write(`${line}\n`);
    this.draw();
  }

  private clear(): void {
    if (this.drawn > 0) this.stream.write(`\x1b[${this.drawn}A\x1b[J`);
    this.drawn = 0;
  }

  private draw(): void {
    if (!this.timer) return;
    this.clear();
    // Every drawn line must fit on one screen row, or clear() would leave rows behind.
    const width = Math.max(40, (this.stream.columns ?? 100) - 1);
    const fit = (text: string, room: number): string => {
      const plain = text.replace(/^.*\r/s, '').replace(/[\x00-\x1f\x7f]/g, ' ');
      return plain.length > room ? plain.slice(0, Math.max(1, room - 1)) + '…' : plain;
    };
    const lines: string[] = [];
    for (const [step, r] of this.running) {
      const secs = `${((Date.now() - r.started) / 1000).toFixed(1)}s`;
      lines.push(`${this.c.cyan('•')} ${fit(this.steps[step]!.name, width - 3 - secs.length)} ${this.c.cyan(secs)}`);
      for (const t of r.tail) lines.push(this.c.dim(`    ${fit(t, width - 4)}`));
    }
    if (lines.length > 0) this.stream.write(lines.join('\n') + '\n');
    this.drawn = lines.length;
  }
}
