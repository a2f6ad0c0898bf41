// dfc tag: give an image another name.
import { tagImage } from '@dfc/store';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';
import { ROOT_USAGE, openStore, parseCommandArgs, rootOption } from './store-args.js';

export const tagCommand: Command = {
  usage: `usage: dfc tag [--root DIR] SOURCE TARGET\n${ROOT_USAGE}`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, rootOption);
    if (positionals.length !== 2) throw new UsageError('give a source image and a target tag');
    const store = await openStore(values.root, io);
    await tagImage(store, positionals[0]!, positionals[1]!);
    return 0;
  },
};
