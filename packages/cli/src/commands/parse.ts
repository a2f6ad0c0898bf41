// dfc parse: the syntax tree of Dockerfiles as JSON, or their syntax diagnostics.
import { parse, type Diagnostic } from '@dfc/syntax';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';
import { readInput } from '../read-input.js';
import { parseCommandArgs } from './store-args.js';

export const parseCommand: Command = {
  usage: [
    'usage: dfc parse [--json] FILE…',
    '  --json   print {file, ast, diagnostics} as JSON (an array for several files)',
    '  FILE     a Dockerfile, or - for standard input',
    'Diagnostics print as FILE:LINE:COL: SEVERITY: MESSAGE [CODE]; exit 1 when there are errors.',
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } });
    if (positionals.length === 0) throw new UsageError('no Dockerfile given');
    const results = [];
    for (const file of positionals) {
      const text = await readInput(file, io);
      results.push({ file, ...parse(text) });
    }
    const errors = results.reduce((n, r) => n + r.diagnostics.filter((d) => d.severity === 'error').length, 0);
    if (values.json) {
      const out = results.length === 1 ? results[0] : results;
      io.stdout.write(JSON.stringify(out, null, 2) + '\n');
    } else {
      let warnings = 0;
      let instructions = 0;
      for (const r of results) {
        instructions += r.ast.instructions.length;
        for (const d of r.diagnostics) {
          if (d.severity !== 'error') warnings++;
          io.stdout.write(formatDiagnostic(r.file, d) + '\n');
        }
      }
      const files = results.length === 1 ? results[0]!.file : `${results.length} files`;
      io.stdout.write(`${files}: ${instructions} instruction${instructions === 1 ? '' : 's'}, ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`);
    }
    return errors > 0 ? 1 : 0;
  },
};

/** `file:line:col: severity: message [code]`, the form editors and CI annotate from. */
export function formatDiagnostic(file: string, d: Diagnostic): string {
  return `${file}:${d.range.start.line}:${d.range.start.column}: ${d.severity}: ${d.message} [${d.code}]`;
}
