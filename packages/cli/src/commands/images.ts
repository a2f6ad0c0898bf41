// dfc images: the images in the store, one row per tag.
import { listImages } from '@dfc/store';
import type { Command } from '../command.js';
import { ROOT_USAGE, humanSize, openStore, parseCommandArgs, rootOption } from './store-args.js';

function ago(created: string | undefined, now: number): string {
  if (!created) return 'N/A';
  const then = Date.parse(created);
  if (Number.isNaN(then)) return 'N/A';
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  const steps: [number, string][] = [[365 * 86400, 'year'], [30 * 86400, 'month'], [7 * 86400, 'week'], [86400, 'day'], [3600, 'hour'], [60, 'minute']];
  for (const [size, name] of steps) {
    const n = Math.floor(seconds / size);
    if (n >= 1) return `${n} ${name}${n > 1 ? 's' : ''} ago`;
  }
  return 'less than a minute ago';
}

export const imagesCommand: Command = {
  usage: `usage: dfc images [--root DIR] [-q|--quiet] [--no-trunc]\n${ROOT_USAGE}\n  -q, --quiet  print image ids only\n  --no-trunc   print whole ids`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, { ...rootOption, quiet: { type: 'boolean', short: 'q' }, 'no-trunc': { type: 'boolean' } });
    const store = await openStore(values.root, io);
    const rows = await listImages(store);
    const id = (digest: string): string => (values['no-trunc'] ? digest : digest.slice(7, 19));
    if (values.quiet) {
      for (const r of rows) io.stdout.write(`${id(r.id)}\n`);
      return 0;
    }
    for (const r of rows) if (r.problem) io.stderr.write(`dfc images: ${r.reference ?? r.manifestDigest}: ${r.problem}\n`);
    const now = Date.now();
    const table = [['REFERENCE', 'IMAGE ID', 'CREATED', 'SIZE'], ...rows.map((r) => [r.reference ?? '<none>', r.problem ? '<broken>' : id(r.id), ago(r.created, now), humanSize(r.size)])];
    const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
    for (const row of table) io.stdout.write(`${row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]!))).join('   ')}\n`);
    return 0;
  },
};
