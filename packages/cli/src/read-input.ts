// Reading a file named on the command line, or standard input for `-`.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { CommandIO } from './command.js';
import { UsageError } from './command.js';

/** The file's text; a file that cannot be read is a usage error naming it (exit 2). */
export async function readInput(file: string, io: CommandIO): Promise<string> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await fs.readFile(path.resolve(io.cwd, file), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    throw new UsageError(`cannot read ${file}: ${why}`);
  }
}
