// dfc build: a Dockerfile and a context into an image in the store, as `docker buildx build`.
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { build, BuildError, type BuildEvent, type StepInfo } from '@dfc/engine';
import { Runner } from '@dfc/runner';
import { exportRootfsToDir, saveArchive } from '@dfc/store';
import type { Command, CommandIO } from '../command.js';
import { UsageError } from '../command.js';
import { ROOT_USAGE, openStore, parseCommandArgs, rootOption } from './store-args.js';

const USAGE = `usage: dfc build [OPTIONS] CONTEXT
${ROOT_USAGE}
  -f, --file FILE          the Dockerfile (default: CONTEXT/Dockerfile)
  -t, --tag NAME[:TAG]     tag the image (repeatable)
  --build-arg K=V          set a build argument (repeatable; --build-arg K takes K from this environment)
  --target STAGE           build this stage (default: the last)
  --no-cache               run every step, ignoring the cache
  --progress MODE          auto (default), tty, plain or quiet (prints only the image id)
  --output type=oci|docker|local,dest=PATH
                           also export the image: an OCI archive, a docker archive, or its files
  --runtime NAME|PATH      OCI runtime for RUN: runc (default), crun, or a path`;

export const buildCommand: Command = {
  summary: 'build an image from a Dockerfile and a context',
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...rootOption,
      file: { type: 'string', short: 'f' },
      tag: { type: 'string', short: 't', multiple: true },
      'build-arg': { type: 'string', multiple: true },
      target: { type: 'string' },
      'no-cache': { type: 'boolean' },
      progress: { type: 'string' },
      output: { type: 'string' },
      runtime: { type: 'string' },
    });
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'give the build context (a directory, e.g. .)' : 'give one build context');
    const context = path.resolve(io.cwd, positionals[0]!);
    const dockerfile = path.resolve(io.cwd, (values.file as string | undefined) ?? path.join(context, 'Dockerfile'));
    let text: string;
    try {
      text = await fs.readFile(dockerfile, 'utf8');
    } catch {
      throw new UsageError(`cannot read the Dockerfile ${path.relative(io.cwd, dockerfile) || dockerfile}`);
    }
    const buildArgs: Record<string, string> = {};
    for (const arg of (values['build-arg'] as string[] | undefined) ?? []) {
      const eq = arg.indexOf('=');
      if (eq < 0) {
        const fromEnv = io.env[arg];
        if (fromEnv !== undefined) buildArgs[arg] = fromEnv;
      } else buildArgs[arg.slice(0, eq)] = arg.slice(eq + 1);
    }
    const progress = (values.progress as string | undefined) ?? 'auto';
    if (!['auto', 'tty', 'plain', 'quiet'].includes(progress)) throw new UsageError(`--progress ${progress}: use auto, tty, plain or quiet`);
    const output = values.output ? parseOutput(values.output as string, io.cwd) : undefined;

    const store = await openStore(values.root as string | undefined, io);
    const runner = new Runner({ store, ...(values.runtime ? { runtime: values.runtime as string } : {}) });
    const display = new PlainProgress(io, path.relative(io.cwd, dockerfile) || dockerfile, progress === 'quiet');
    const controller = new AbortController();
    const onSignal = (): void => controller.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const result = await build({
        store,
        runner,
        context,
        dockerfile: path.relative(io.cwd, dockerfile) || dockerfile,
        text,
        buildArgs,
        ...(values.target ? { target: values.target as string } : {}),
        tags: (values.tag as string[] | undefined) ?? [],
        noCache: Boolean(values['no-cache']),
        onEvent: (e) => display.event(e),
        signal: controller.signal,
      });
      if (output) {
        const ref = result.imageId;
        if (output.type === 'local') await exportRootfsToDir(store, ref, output.dest);
        else await saveArchive(store, [ref], createWriteStream(output.dest), output.type);
      }
      if (progress === 'quiet') io.stdout.write(`${result.imageId}\n`);
      else io.stderr.write(`built ${result.imageId}${result.tags.length ? ` (${result.tags.join(', ')})` : ''}: ${result.ran} step(s) run, ${result.cached} from the cache\n`);
      return 0;
    } catch (err) {
      if (err instanceof BuildError) {
        io.stderr.write(`error: ${err.message}\n`);
        display.tail();
        return 1;
      }
      throw err;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await store.close();
    }
  },
};

function parseOutput(text: string, cwd: string): { type: 'oci' | 'docker' | 'local'; dest: string } {
  const fields = Object.fromEntries(text.split(',').map((kv) => {
    const eq = kv.indexOf('=');
    return eq < 0 ? [kv, ''] : [kv.slice(0, eq), kv.slice(eq + 1)];
  }));
  const type = fields['type'];
  if (type !== 'oci' && type !== 'docker' && type !== 'local') throw new UsageError(`--output ${text}: type must be oci, docker or local`);
  if (!fields['dest']) throw new UsageError(`--output ${text}: give dest=PATH`);
  return { type, dest: path.resolve(cwd, fields['dest']) };
}

/** Line by line: what runs, what comes from the cache and why a step missed, and every output line. */
class PlainProgress {
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
