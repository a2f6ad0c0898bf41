// dfc save: images to an OCI archive or a docker-archive tar.
import { rename, rm } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { saveArchive, type ArchiveFormat } from '@dfc/store';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';
import { ROOT_USAGE, openStore, parseCommandArgs, rootOption } from './store-args.js';

export const saveCommand: Command = {
  usage: `usage: dfc save [--root DIR] [-o FILE] [--format oci|docker] IMAGE…\n${ROOT_USAGE}\n  -o, --output FILE  write here instead of standard output\n  --format           oci (default): an OCI archive; docker: the docker save format`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { ...rootOption, output: { type: 'string', short: 'o' }, format: { type: 'string' } });
    const format = (values.format ?? 'oci') as ArchiveFormat;
    if (format !== 'oci' && format !== 'docker') throw new UsageError(`unknown format "${values.format}": use oci or docker`);
    if (positionals.length === 0) throw new UsageError('name at least one image');
    const store = await openStore(values.root, io);
    if (values.output === undefined) {
      if ((io.stdout as { isTTY?: boolean }).isTTY) throw new Error('refusing to write an archive to a terminal; use -o FILE or a redirect');
      await saveArchive(store, positionals, io.stdout as Writable, format);
      return 0;
    }
    // Written beside the target and renamed, so a failed save leaves no half archive.
    const target = resolve(io.cwd, values.output);
    const temp = `${target}.tmp-${process.pid}`;
    try {
      await saveArchive(store, positionals, createWriteStream(temp, { flags: 'wx' }), format);
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true });
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EEXIST') throw new Error(`${target}: cannot write: ${e.code}`);
      throw err;
    }
    return 0;
  },
};
