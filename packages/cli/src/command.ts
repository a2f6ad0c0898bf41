// What every dfc subcommand looks like: argv in, exit status out. Output goes through `io`.
export interface CommandIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface Command {
  /** Usage text shown on usage errors and with --help. */
  usage: string;
  run(argv: string[], io: CommandIO): Promise<number>;
}

/** Thrown by argument parsing; main prints the message and the usage, and exits 2. */
export class UsageError extends Error {}
