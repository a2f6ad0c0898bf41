// dfc lsp: the language server, speaking LSP over standard input and output.
import { startServer } from '@dfc/lsp';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';
import { parseCommandArgs } from './store-args.js';
import { storeImageLookup } from '../image-platforms.js';

export const lspCommand: Command = {
  usage: [
    'usage: dfc lsp --stdio',
    '  --stdio                 talk JSON-RPC over standard input and output (the only transport)',
    '  --clientProcessId=PID   exit when that process ends (editors pass it)',
    'Editors start this themselves; see "The language server" in the README.',
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { stdio: { type: 'boolean' }, clientProcessId: { type: 'string' } });
    if (!values.stdio) throw new UsageError('say --stdio: the server talks over standard input and output');
    if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`);
    // The server owns stdout from here on: nothing else may write to it.
    // The store's images are read once, at start: what InvalidBaseImagePlatform compares with.
    const images = await storeImageLookup(undefined, io.env);
    await startServer({ input: process.stdin, output: io.stdout, ...(images ? { images } : {}) });
    return 0;
  },
};
