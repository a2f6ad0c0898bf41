// dfc import: a root file system tar becomes a one-layer image, like `docker import`.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { importRootfs, normalizeTag } from '@dfc/store';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';
import { ROOT_USAGE, openStore, parseCommandArgs, rootOption } from './store-args.js';

export const importCommand: Command = {
  usage: `usage: dfc import [--root DIR] [-m MESSAGE] ROOTFS.tar|- [REFERENCE]\n${ROOT_USAGE}\n  -m, --message TEXT  history comment`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { ...rootOption, message: { type: 'string', short: 'm' } });
    if (positionals.length < 1 || positionals.length > 2) throw new UsageError('give a rootfs tar (or -) and optionally a reference');
    const [file, reference] = positionals as [string, string | undefined];
    let tags: string[] = [];
    if (reference !== undefined) {
      try {
        tags = [normalizeTag(reference)];
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
    }
    let input: Readable = process.stdin;
    let where = 'standard input';
    if (file === '-' && process.stdin.isTTY) throw new UsageError('standard input is a terminal: give a file or pipe a tar in');
    if (file !== '-') {
      where = resolve(io.cwd, file);
      const st = await stat(where).catch(() => undefined);
      if (!st?.isFile()) throw new Error(`${where}: no such file`);
      input = createReadStream(where);
    }
    const store = await openStore(values.root, io);
    let image;
    try {
      image = await importRootfs(store, input, { tags, comment: values.message });
    } catch (err) {
      throw new Error(`${where}: ${(err as Error).message}`);
    } finally {
      await store.close();
    }
    io.stdout.write(`${image.id}\n`);
    return 0;
  },
};
