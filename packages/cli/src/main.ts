// The dfc command line: dispatches to one module per subcommand.
import type { Command, CommandIO } from './command.js';
import { UsageError } from './command.js';
import { parseCommand } from './commands/parse.js';
import { buildCommand } from './commands/build.js';
import { imagesCommand } from './commands/images.js';
import { rmiCommand } from './commands/rmi.js';
import { tagCommand } from './commands/tag.js';
import { pruneCommand } from './commands/prune.js';
import { storeCommand } from './commands/store.js';
import { saveCommand } from './commands/save.js';
import { loadCommand } from './commands/load.js';
import { importCommand } from './commands/import.js';
import { lspCommand } from './commands/lsp.js';
import { planCommand } from './commands/plan.js';
import { runCommand } from './commands/run.js';
import { lintCommand } from './commands/lint.js';

const commands: Record<string, Command> = {
  lint: lintCommand,
  parse: parseCommand,
  build: buildCommand,
  images: imagesCommand,
  rmi: rmiCommand,
  tag: tagCommand,
  prune: pruneCommand,
  store: storeCommand,
  save: saveCommand,
  load: loadCommand,
  import: importCommand,
  lsp: lspCommand,
  plan: planCommand,
  run: runCommand,
};

function helpText(): string {
  const names = Object.keys(commands).sort();
  const width = Math.max(0, ...names.map((n) => n.length));
  const lines = names.map((n) => `  ${n.padEnd(width)}  ${commands[n]!.summary}`);
  return `usage: dfc COMMAND [ARGS…]\n\nCommands:\n${lines.join('\n')}\n`;
}

export async function main(argv: string[], io: CommandIO = processIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    (name === undefined ? io.stderr : io.stdout).write(helpText());
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) {
    io.stderr.write(`dfc: unknown command "${name}"\n\n${helpText()}`);
    return 2;
  }
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
