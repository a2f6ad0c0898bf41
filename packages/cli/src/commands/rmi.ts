// dfc rmi: untag images; their blobs go at the next `dfc prune`.
import { removeImage } from '@dfc/store';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';
import { ROOT_USAGE, openStore, parseCommandArgs, rootOption } from './store-args.js';

export const rmiCommand: Command = {
  usage: `usage: dfc rmi [--root DIR] [-f|--force] IMAGE…\n${ROOT_USAGE}\n  -f, --force  remove every tag of an image named by id`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { ...rootOption, force: { type: 'boolean', short: 'f' } });
    if (positionals.length === 0) throw new UsageError('name at least one image');
    const store = await openStore(values.root, io);
    let status = 0;
    for (const ref of positionals) {
      try {
        for (const tag of await removeImage(store, ref, { force: values.force })) io.stdout.write(`Untagged: ${tag}\n`);
      } catch (err) {
        io.stderr.write(`dfc rmi: ${(err as Error).message}\n`);
        status = 1;
      }
    }
    return status;
  },
};
