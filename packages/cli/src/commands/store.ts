// dfc store verify: re-hash every blob and check every image's references.
import { verifyStore } from '@dfc/store';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';
import { ROOT_USAGE, openStore, parseCommandArgs, rootOption } from './store-args.js';

export const storeCommand: Command = {
  usage: `usage: dfc store verify [--root DIR]\n${ROOT_USAGE}\n  verify re-hashes every blob and checks every manifest; exit 1 on corruption`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, rootOption);
    if (positionals[0] !== 'verify' || positionals.length > 1) throw new UsageError('the store subcommand is: verify');
    const store = await openStore(values.root, io);
    const report = await verifyStore(store);
    for (const p of report.problems) io.stdout.write(`${p.path}: ${p.message}\n`);
    const summary = `${report.blobs} blobs, ${report.images} images`;
    if (report.problems.length > 0) {
      io.stderr.write(`dfc store verify: ${report.problems.length} problem${report.problems.length > 1 ? 's' : ''} in ${store.root} (${summary})\n`);
      return 1;
    }
    io.stdout.write(`${store.root}: ok (${summary})\n`);
    return 0;
  },
};
