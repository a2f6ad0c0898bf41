// Runs the dfc command line in-process with captured output, as a user would see it.
import { PassThrough } from 'node:stream';
import { main } from '../src/main.js';

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

export async function runCli(argv: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const status = await main(argv, { stdout, stderr, cwd: options.cwd ?? process.cwd(), env: options.env ?? process.env });
  return { status, stdout: out, stderr: err };
}
