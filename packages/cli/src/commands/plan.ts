// dfc plan: print the build plan of a Dockerfile as versioned JSON (packages/ir/plan.schema.json).
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { formatPlan, planDockerfile } from '@dfc/ir';
import type { Diagnostic } from '@dfc/syntax';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';
import { parseCommandArgs } from './store-args.js';

const options = {
  file: { type: 'string', short: 'f' },
  'build-arg': { type: 'string', multiple: true },
  target: { type: 'string' },
} as const;

export const planCommand: Command = {
  usage: [
    'usage: dfc plan [-f FILE] [--build-arg K=V]… [--target STAGE] [CONTEXT]',
    '  -f, --file FILE     the Dockerfile (default CONTEXT/Dockerfile)',
    '  --build-arg K=V     set a build argument; K alone takes its value from the environment',
    '  --target STAGE      the stage to build (default the last)',
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, options);
    if (positionals.length > 1) throw new UsageError('give at most one build context');
    const context = positionals[0] ?? '.';
    const file = values.file ?? join(context, 'Dockerfile');
    const buildArgs = new Map<string, string>();
    for (const arg of (values['build-arg'] as string[] | undefined) ?? []) {
      const eq = arg.indexOf('=');
      if (eq === 0) throw new UsageError(`--build-arg ${arg}: the name is missing (use --build-arg NAME=VALUE)`);
      if (eq > 0) buildArgs.set(arg.slice(0, eq), arg.slice(eq + 1));
      else if (io.env[arg] !== undefined) buildArgs.set(arg, io.env[arg]!);
    }

    let text: string;
    try {
      text = await readFile(resolve(io.cwd, file), 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message;
      io.stderr.write(`dfc plan: cannot read ${file}: ${why}${values.file === undefined ? ' (give the Dockerfile with -f)' : ''}\n`);
      return 1;
    }

    const plan = planDockerfile(text, { buildArgs, ...(values.target !== undefined ? { target: values.target } : {}) });
    const unknownTarget = plan.diagnostics.find((d) => d.code === 'IR018');
    if (unknownTarget) throw new UsageError(unknownTarget.message);
    for (const d of plan.diagnostics) io.stderr.write(formatDiagnostic(file, d));
    if (plan.diagnostics.some((d) => d.severity === 'error')) return 1;
    io.stdout.write(formatPlan(plan));
    return 0;
  },
};

function formatDiagnostic(file: string, d: Diagnostic): string {
  return `${file}:${d.range.start.line}:${d.range.start.column}: ${d.severity}: ${d.message} [${d.code}]\n`;
}
