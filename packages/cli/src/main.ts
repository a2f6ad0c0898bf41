// The dfc command line: dispatches to one module per subcommand.
import type { Command, CommandIO } from './command.js';
import { UsageError } from './command.js';
import { VERSION } from './version.js';

// Each command's module is loaded only when it runs: `dfc build` never loads the linter or the
// language server, and start-up pays only for what the command needs.
const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  lint: { summary: "lint Dockerfiles: BuildKit's checks and hadolint's rules, with fixes", load: async () => (await import('./commands/lint.js')).lintCommand },
  parse: { summary: 'parse Dockerfiles: print the syntax tree (--json) or the diagnostics', load: async () => (await import('./commands/parse.js')).parseCommand },
  build: { summary: 'build an image from a Dockerfile and a context', load: async () => (await import('./commands/build.js')).buildCommand },
  images: { summary: 'list the images in the store', load: async () => (await import('./commands/images.js')).imagesCommand },
  rmi: { summary: 'remove images (tags) from the store', load: async () => (await import('./commands/rmi.js')).rmiCommand },
  tag: { summary: 'give an image a new tag', load: async () => (await import('./commands/tag.js')).tagCommand },
  prune: { summary: 'remove unreferenced blobs from the store', load: async () => (await import('./commands/prune.js')).pruneCommand },
  store: { summary: 'check the store (verify)', load: async () => (await import('./commands/store.js')).storeCommand },
  save: { summary: 'save images to an archive (OCI or docker)', load: async () => (await import('./commands/save.js')).saveCommand },
  load: { summary: 'load images from an archive (OCI or docker)', load: async () => (await import('./commands/load.js')).loadCommand },
  import: { summary: 'import a root file system tar as an image', load: async () => (await import('./commands/import.js')).importCommand },
  lsp: { summary: 'run the language server (LSP over standard input and output) for editors', load: async () => (await import('./commands/lsp.js')).lspCommand },
  plan: { summary: 'print the build plan of a Dockerfile as JSON', load: async () => (await import('./commands/plan.js')).planCommand },
  run: { summary: 'run a command in a new container over an image', load: async () => (await import('./commands/run.js')).runCommand },
};

function helpText(): string {
  const names = Object.keys(commands).sort();
  const width = Math.max(0, ...names.map((n) => n.length));
  const lines = names.map((n) => `  ${n.padEnd(width)}  ${commands[n]!.summary}`);
  return `usage: dfc COMMAND [ARGS…]   (dfc --version, dfc COMMAND --help)\n\nCommands:\n${lines.join('\n')}\n`;
}

export async function main(argv: string[], io: CommandIO = processIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    (name === undefined ? io.stderr : io.stdout).write(helpText());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === 'version') {
    io.stdout.write(`dfc ${VERSION}\n`);
    return 0;
  }
  const entry = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!entry) {
    io.stderr.write(`dfc: unknown command "${name}"\n\n${helpText()}`);
    return 2;
  }
  const command = await entry.load();
  // Only before any other argument: `dfc run busybox ls -h` passes -h to ls.
  if (rest[0] === '--help' || rest[0] === '-h') {
    io.stdout.write(command.usage.endsWith('\n') ? command.usage : command.usage + '\n');
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`dfc ${name}: ${err.message}\n${command.usage}\n`);
      return 2;
    }
    // I/O failures and the like: one clear line, never a stack trace.
    const message = err instanceof Error ? err.message : String(err);
    io.stderr.write(`dfc ${name}: ${message}\n`);
    return 1;
  }
}

function processIO(): CommandIO {
  return { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env };
}
