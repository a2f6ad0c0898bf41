// dfc build: a Dockerfile and a context into an image in the store, as `docker buildx build`.
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { build, BuildError } from '@dfc/engine';
import { Runner } from '@dfc/runner';
import { exportRootfsToDir, saveArchive } from '@dfc/store';
import type { Command } from '../command.js';
import { PlainProgress, type ProgressDisplay } from '../progress/plain.js';
import { UsageError } from '../command.js';
import { ROOT_USAGE, openStore, parseCommandArgs, rootOption } from './store-args.js';
import { buildChecks, formatChecks } from '../build-checks.js';

const USAGE = `usage: dfc build [OPTIONS] CONTEXT
${ROOT_USAGE}
  -f, --file FILE          the Dockerfile, relative to this directory (default: CONTEXT/Dockerfile)
  -t, --tag NAME[:TAG]     tag the image (repeatable)
  --build-arg K=V          set a build argument (repeatable; --build-arg K takes K from this environment)
  --target STAGE           build this stage (default: the last)
  --no-cache               run every step, ignoring the cache
  --progress MODE          auto (default), tty, plain or quiet (prints only the image id)
  --output type=oci|docker|local,dest=PATH
                           also export the image: an OCI archive, a docker archive, or its files
  --secret id=ID[,src=FILE|,env=VAR]
                           a secret for RUN --mount=type=secret,id=ID (repeatable): the file, or the
                           variable (id=ID alone: the variable ID if set, else the file ID)
  --runtime NAME|PATH      OCI runtime for RUN: runc (default), crun, or a path`;

export const buildCommand: Command = {
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
      secret: { type: 'string', multiple: true },
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
    const secrets: Record<string, Uint8Array> = {};
    for (const spec of (values.secret as string[] | undefined) ?? []) {
      const [id, value] = await readSecret(spec, io.cwd, io.env);
      secrets[id] = value;
    }

    const store = await openStore(values.root as string | undefined, io);
    const runner = new Runner({ store, ...(values.runtime ? { runtime: values.runtime as string } : {}) });
    const shownFile = path.relative(io.cwd, dockerfile) || dockerfile;
    const isTty = Boolean((io.stderr as { isTTY?: boolean }).isTTY);
    const display: ProgressDisplay =
      progress === 'tty' || (progress === 'auto' && isTty)
        ? new (await import('../progress/tty.js')).TtyProgress(io.stderr, shownFile, isTty && !io.env['NO_COLOR'])
        : new PlainProgress(io, shownFile, progress === 'quiet');
    // BuildKit's checks, as docker build runs them: `# check=error=true` stops the build here.
    const checks = await buildChecks(store, text);
    const violations = checks.filter((c) => c.error);
    if (violations.length > 0) {
      io.stderr.write(formatChecks(checks, shownFile));
      io.stderr.write(`error: ${shownFile}: lint violation found for rules: ${[...new Set(violations.map((c) => c.rule))].join(', ')} (# check=error=true)\n`);
      await store.close();
      return 1;
    }
    const warnings = progress === 'quiet' ? '' : formatChecks(checks, shownFile);
    const controller = new AbortController();
    const onSignal = (): void => controller.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const result = await build({
        store,
        runner,
        context,
        dockerfile,
        dockerfileName: shownFile,
        text,
        secrets,
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
        else {
          // Written beside the target and renamed, so a failed export leaves no half archive.
          const temp = `${output.dest}.tmp-${process.pid}`;
          try {
            await saveArchive(store, [ref], createWriteStream(temp), output.type);
            await fs.rename(temp, output.dest);
          } finally {
            await fs.rm(temp, { force: true });
          }
        }
      }
      io.stderr.write(warnings);
      if (progress === 'quiet') io.stdout.write(`${result.imageId}\n`);
      else io.stderr.write(`built ${result.imageId}${result.tags.length ? ` (${result.tags.join(', ')})` : ''}: ${result.ran} step(s) run, ${result.cached} from the cache\n`);
      return 0;
    } catch (err) {
      // Ctrl-C: the engine has stopped its steps and the runner cleaned up; 130 as shells report it.
      if (controller.signal.aborted) {
        display.tail();
        io.stderr.write('error: build cancelled\n');
        return 130;
      }
      if (err instanceof BuildError) {
        display.tail();
        io.stderr.write(warnings);
        io.stderr.write(`error: ${err.message}\n`);
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

/** `--secret id=ID[,type=file|env][,src=FILE][,env=VAR]` as docker buildx reads it → the id and the secret's bytes. */
async function readSecret(spec: string, cwd: string, env: NodeJS.ProcessEnv): Promise<[string, Uint8Array]> {
  const fields: Record<string, string> = {};
  for (const kv of spec.split(',')) {
    const eq = kv.indexOf('=');
    if (eq < 0) throw new UsageError(`--secret ${spec}: "${kv}" is not KEY=VALUE`);
    const key = kv.slice(0, eq).trim().toLowerCase();
    if (!['id', 'type', 'src', 'source', 'env'].includes(key)) throw new UsageError(`--secret ${spec}: unknown key "${key}" (id, type, src, env)`);
    fields[key === 'source' ? 'src' : key] = kv.slice(eq + 1);
  }
  const id = fields['id'];
  if (!id) throw new UsageError(`--secret ${spec}: give id=ID`);
  const type = fields['type'] ?? (fields['env'] !== undefined ? 'env' : fields['src'] !== undefined ? 'file' : env[id] !== undefined ? 'env' : 'file');
  if (type === 'env') {
    const name = fields['env'] ?? fields['src'] ?? id;
    const value = env[name];
    if (value === undefined) throw new UsageError(`--secret ${spec}: the environment variable ${name} is not set`);
    return [id, Buffer.from(value)];
  }
  if (type !== 'file') throw new UsageError(`--secret ${spec}: type must be file or env`);
  const file = path.resolve(cwd, fields['src'] ?? id);
  try {
    return [id, await fs.readFile(file)];
  } catch (err) {
    throw new UsageError(`--secret ${spec}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

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
