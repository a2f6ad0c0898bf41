// dfc prune: delete blobs no tag or cache entry reaches, and the unpacked copies of layers no
// image uses any more.
import { pruneStore } from '@dfc/store';
import { pruneUnpacked } from '@dfc/runner';
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
    const unpacked = await pruneUnpacked(store);
    for (const diffId of unpacked.removed) io.stdout.write(`deleted unpacked layer: ${diffId}\n`);
    const freed = result.bytesFreed + unpacked.bytesFreed;
    io.stdout.write(`Total reclaimed space: ${humanSize(freed)} (${freed} bytes)\n`);
    return 0;
  },
};
