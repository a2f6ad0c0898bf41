// dfc prune: delete blobs no tag or cache entry reaches.
import { pruneStore } from '@dfc/store';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';
import { ROOT_USAGE, humanSize, openStore, parseCommandArgs, rootOption } from './store-args.js';

export const pruneCommand: Command = {
  usage: `usage: dfc prune [--root DIR]\n${ROOT_USAGE}`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, rootOption);
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const store = await openStore(values.root, io);
    const result = await pruneStore(store);
    for (const digest of result.removed) io.stdout.write(`deleted: ${digest}\n`);
    io.stdout.write(`Total reclaimed space: ${humanSize(result.bytesFreed)} (${result.bytesFreed} bytes)\n`);
    return 0;
  },
};
