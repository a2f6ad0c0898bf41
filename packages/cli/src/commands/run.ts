// dfc run: a container over an image, in the foreground, as `docker run` without a terminal.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { imageLayers, resolveImage } from '@dfc/store';
import { RunAbortedError, Runner } from '@dfc/runner';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';
import { openStore } from './store-args.js';

const USAGE = `usage: dfc run [OPTIONS] IMAGE [COMMAND [ARG…]]
  --root DIR            the store (default $DFC_ROOT, else $XDG_DATA_HOME/dfc, else ~/.local/share/dfc)
  --rm                  remove the container's writable layer when it exits
  -e, --env K=V         set an environment variable (-e K takes K from this environment)
  -w, --workdir DIR     working directory inside the container
  -u, --user USER       user[:group], names from the image's /etc/passwd and /etc/group
  --entrypoint CMD      run CMD instead of the image's entrypoint (and drop its CMD)
  -i, --interactive     pass standard input to the container
  --network none|host   none (default): loopback only; host: this machine's network
  -m, --memory BYTES    memory limit (suffixes k, m, g)
  --cpus N              CPU limit, fractions allowed
  --runtime NAME|PATH   OCI runtime: runc (default), crun, or a path
The exit status is the container's.`;

interface RunOptions {
  root?: string;
  rm: boolean;
  env: string[];
  workdir?: string;
  user?: string;
  entrypoint?: string;
  interactive: boolean;
  network: 'none' | 'host';
  memory?: number;
  cpus?: number;
  runtime?: string;
}

const VALUE_OPTIONS: Record<string, string> = {
  '--root': 'root', '-e': 'env', '--env': 'env', '-w': 'workdir', '--workdir': 'workdir', '-u': 'user', '--user': 'user',
  '--entrypoint': 'entrypoint', '--network': 'network', '--memory': 'memory', '-m': 'memory', '--cpus': 'cpus', '--runtime': 'runtime',
};
const FLAG_OPTIONS: Record<string, 'rm' | 'interactive'> = { '--rm': 'rm', '-i': 'interactive', '--interactive': 'interactive' };

function parseBytes(text: string): number {
  const m = /^(\d+)([bkmg]?)$/i.exec(text.trim());
  if (!m) throw new UsageError(`--memory "${text}": give bytes, optionally with k, m or g`);
  const scale: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
  return Number(m[1]) * scale[m[2]!.toLowerCase()]!;
}

/** Options stop at the image: everything after it is the command and its own options. */
export function parseRunArgs(argv: string[]): { options: RunOptions; image: string; command: string[] } {
  const options: RunOptions = { rm: false, env: [], interactive: false, network: 'none' };
  let i = 0;
  for (; i < argv.length; i++) {
    let arg = argv[i]!;
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    if (FLAG_OPTIONS[arg]) {
      options[FLAG_OPTIONS[arg]!] = true;
      continue;
    }
    let value: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    } else if (!arg.startsWith('--') && arg.length > 2 && VALUE_OPTIONS[arg.slice(0, 2)]) {
      value = arg.slice(2);
      arg = arg.slice(0, 2);
    }
    const name = VALUE_OPTIONS[arg];
    if (!name) throw new UsageError(`unknown option "${arg}"`);
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`option ${arg} needs a value`);
      value = argv[++i]!;
    }
    switch (name) {
      case 'env':
        options.env.push(value);
        break;
      case 'network':
        if (value !== 'none' && value !== 'host') throw new UsageError(`--network "${value}": dfc knows none and host`);
        options.network = value;
        break;
      case 'memory':
        options.memory = parseBytes(value);
        break;
      case 'cpus': {
        const n = Number(value);
        if (!(n > 0)) throw new UsageError(`--cpus "${value}": give a positive number`);
        options.cpus = n;
        break;
      }
      case 'root':
      case 'workdir':
      case 'user':
      case 'entrypoint':
      case 'runtime':
        options[name] = value;
        break;
    }
  }
  const image = argv[i];
  if (image === undefined) throw new UsageError('give an image');
  return { options, image, command: argv.slice(i + 1) };
}

/** The image's Env with -e on top; `-e K` takes K's value from `hostEnv`, and is dropped when unset there. */
export function mergeEnv(imageEnv: readonly string[], flags: readonly string[], hostEnv: NodeJS.ProcessEnv): string[] {
  const env = new Map<string, string>();
  for (const e of imageEnv) {
    const eq = e.indexOf('=');
    env.set(eq < 0 ? e : e.slice(0, eq), e);
  }
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq === 0) throw new UsageError(`-e "${flag}": no variable name`);
    if (eq > 0) env.set(flag.slice(0, eq), flag);
    else if (hostEnv[flag] !== undefined) env.set(flag, `${flag}=${hostEnv[flag]}`);
  }
  return [...env.values()];
}

export const runCommand: Command = {
  usage: USAGE,
  async run(argv, io) {
    const { options, image: reference, command } = parseRunArgs(argv);
    const store = await openStore(options.root, io);
    const image = await resolveImage(store, reference);
    const config = image.config.config ?? {};
    const entrypoint = options.entrypoint !== undefined ? (options.entrypoint === '' ? [] : [options.entrypoint]) : (config.Entrypoint ?? []);
    // As with Docker, --entrypoint drops the image's CMD.
    const cmd = command.length > 0 ? command : options.entrypoint !== undefined ? [] : (config.Cmd ?? []);
    const args = [...entrypoint, ...cmd];
    if (args.length === 0) throw new UsageError(`image ${reference} has no command (Entrypoint and Cmd are empty); give one`);
    const layers = imageLayers(image);
    const runner = new Runner({ store, runtime: options.runtime, onNotice: (m) => io.stderr.write(`dfc run: ${m}\n`) });
    await runner.runtime();

    const abort = new AbortController();
    let stoppedBy: NodeJS.Signals | undefined;
    const onSignal = (signal: NodeJS.Signals): void => {
      // A second signal does not wait for the cleanup; the runner's cleanup guard finishes it.
      if (stoppedBy !== undefined) process.exit(signal === 'SIGINT' ? 130 : signal === 'SIGHUP' ? 129 : 143);
      stoppedBy = signal;
      abort.abort();
    };
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    for (const s of signals) process.on(s, onSignal);
    const scratchDir = join(store.recordsDir, 'containers');
    try {
      const result = await runner.run({
        layers,
        args,
        env: mergeEnv(config.Env ?? [], options.env, io.env),
        cwd: options.workdir ?? (config.WorkingDir || '/'),
        user: options.user ?? config.User,
        network: options.network,
        memoryBytes: options.memory,
        cpus: options.cpus,
        scratchDir,
        stdin: options.interactive ? process.stdin : undefined,
        onStdout: (chunk) => io.stdout.write(chunk),
        onStderr: (chunk) => io.stderr.write(chunk),
        signal: abort.signal,
        diff: false,
        keepUpperDir: !options.rm,
      });
      if (!options.rm) {
        const record = { id: result.id, image: image.id, reference, args, exitCode: result.exitCode, finished: new Date().toISOString() };
        await writeFile(join(scratchDir, result.id, 'container.json'), `${JSON.stringify(record, null, 2)}\n`);
      }
      return result.exitCode;
    } catch (err) {
      if (err instanceof RunAbortedError) return stoppedBy === 'SIGINT' ? 130 : stoppedBy === 'SIGHUP' ? 129 : 143;
      throw err;
    } finally {
      for (const s of signals) process.off(s, onSignal);
      if (options.interactive) process.stdin.pause();
    }
  },
};
