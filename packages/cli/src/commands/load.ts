// dfc load: images from an OCI archive or a docker-archive tar.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { loadArchive } from '@dfc/store';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';
import { ROOT_USAGE, openStore, parseCommandArgs, rootOption } from './store-args.js';

export const loadCommand: Command = {
  usage: `usage: dfc load [--root DIR] [-i FILE]\n${ROOT_USAGE}\n  -i, --input FILE  read this archive instead of standard input`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { ...rootOption, input: { type: 'string', short: 'i' } });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    let input: Readable = process.stdin;
    let where = 'standard input';
    if ((values.input === undefined || values.input === '-') && process.stdin.isTTY) {
      throw new UsageError('standard input is a terminal: give -i FILE or pipe an archive in');
    }
    if (values.input !== undefined && values.input !== '-') {
      where = resolve(io.cwd, values.input);
      const st = await stat(where).catch(() => undefined);
      if (!st?.isFile()) throw new Error(`${where}: no such file`);
      input = createReadStream(where);
    }
    const store = await openStore(values.root, io);
    let result;
    try {
      result = await loadArchive(store, input);
    } catch (err) {
      throw new Error(`${where}: ${(err as Error).message}`);
    } finally {
      await store.close();
    }
    for (const image of result.images) {
      if (image.tags.length === 0) io.stdout.write(`Loaded image ID: ${image.manifestDigest}\n`);
      for (const tag of image.tags) io.stdout.write(`Loaded image: ${tag}\n`);
    }
    return 0;
  },
};
