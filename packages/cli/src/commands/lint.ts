// dfc lint: BuildKit's checks and hadolint's rules over Dockerfiles, as tty, json, sarif, gnu or
// checkstyle output; --fix applies the mechanical fixes in place.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Chalk } from 'chalk';
import {
  fixText, failsThreshold, formatCheckstyle, formatGnu, formatJson, formatSarif, formatTty, lintText, parseLintConfig,
  DEFAULT_FAILURE_THRESHOLD, PROJECT_CONFIG_FILES, userConfigPaths, type BuildContextView, type FileReport, type LintConfig, type Paint,
} from '@dfc/lint';
import type { Command, CommandIO } from '../command.js';
import { UsageError } from '../command.js';
import { readInput } from '../read-input.js';
import { parseCommandArgs } from './store-args.js';
import { storeImageLookup } from '../image-platforms.js';
import { readContextView } from './lint-context.js';

const FORMATS = ['tty', 'json', 'sarif', 'gnu', 'checkstyle'] as const;
type Format = (typeof FORMATS)[number];

export const lintCommand: Command = {
  usage: [
    'usage: dfc lint [--format tty|json|sarif|gnu|checkstyle] [--config FILE] [--context DIR] [--fix] PATH…',
    '  --format F     output format (default tty)',
    '  --config FILE  a .hadolint.yaml-style config (default: .hadolint.yaml in the current directory,',
    '                 then $XDG_CONFIG_HOME/hadolint.yaml, ~/.hadolint/hadolint.yaml, ~/.hadolint.yaml)',
    '  --context DIR  the build context: checks COPY/ADD sources and .dockerignore',
    '  --fix          apply the mechanical fixes (casing, MAINTAINER, JSON form, ENV k=v, …) to the files',
    '  --root DIR     the store whose images InvalidBaseImagePlatform looks at (only read, and only',
    '                 when it exists; default $DFC_ROOT, else $XDG_DATA_HOME/dfc, else ~/.local/share/dfc)',
    '  PATH           a Dockerfile, a directory to search for Dockerfiles, or - for standard input',
    'Exit status: 0 clean, 1 findings at or above the failure threshold, 2 usage or config error.',
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      format: { type: 'string' },
      config: { type: 'string' },
      context: { type: 'string' },
      fix: { type: 'boolean' },
      root: { type: 'string' },
    });
    if (positionals.length === 0) throw new UsageError('no Dockerfile or directory given');

    const loaded = await loadConfig(values.config, io);
    if ('error' in loaded) {
      io.stderr.write(`dfc lint: ${loaded.error}\n`);
      return 2;
    }
    const format = (values.format ?? loaded.format ?? 'tty') as Format;
    if (!FORMATS.includes(format)) throw new UsageError(`unknown format "${format}" (use ${FORMATS.join(', ')})`);

    const files = await findDockerfiles(positionals, io);
    if (files.length === 0) throw new UsageError(`no Dockerfiles found in ${positionals.join(', ')}`);
    const images = await storeImageLookup(values.root === undefined ? undefined : path.resolve(io.cwd, values.root), io.env);
    const reports: FileReport[] = [];
    for (const file of files) {
      let text = await readInput(file, io);
      let context: BuildContextView | undefined;
      if (values.context !== undefined) context = await readContextView(path.resolve(io.cwd, values.context), file === '-' ? undefined : path.resolve(io.cwd, file));
      let result = lintText(text, { config: loaded.config, context, fileName: file, images });
      if (values.fix && file !== '-') {
        const fixed = fixText(text, (t) => lintText(t, { config: loaded.config, context, fileName: file, images }).diagnostics);
        if (fixed !== text) {
          await fs.writeFile(path.resolve(io.cwd, file), fixed);
          text = fixed;
          result = lintText(text, { config: loaded.config, context, fileName: file, images });
        }
      }
      reports.push({ file, text, diagnostics: result.diagnostics });
    }

    io.stdout.write(render(format, reports, io, loaded.noColor === true));
    const threshold = loaded.config.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD;
    return reports.some((r) => failsThreshold(r.diagnostics, threshold)) ? 1 : 0;
  },
};

function render(format: Format, reports: FileReport[], io: CommandIO, noColor: boolean): string {
  switch (format) {
    case 'tty': {
      const stream = io.stdout as NodeJS.WriteStream;
      const colour = !noColor && stream.isTTY === true && io.env.NO_COLOR === undefined;
      return formatTty(reports, colour ? { paint: chalkPaint() } : {});
    }
    case 'json':
      return formatJson(reports);
    case 'sarif':
      return formatSarif(reports);
    case 'gnu':
      return formatGnu(reports);
    case 'checkstyle':
      return formatCheckstyle(reports);
  }
}

function chalkPaint(): Paint {
  const c = new Chalk({ level: 1 });
  return {
    severity: (s, t) => (s === 'error' ? c.red.bold(t) : s === 'warning' ? c.yellow(t) : s === 'info' ? c.cyan(t) : c.gray(t)),
    dim: (t) => c.dim(t),
    bold: (t) => c.bold(t),
  };
}

type LoadedConfig = { config: LintConfig; format?: string; noColor?: boolean } | { error: string };

/** --config, else the first of hadolint's places that exists. */
async function loadConfig(explicit: string | undefined, io: CommandIO): Promise<LoadedConfig> {
  const candidates = explicit !== undefined
    ? [path.resolve(io.cwd, explicit)]
    : [...PROJECT_CONFIG_FILES.map((name) => path.join(io.cwd, name)), ...userConfigPaths(io.env, io.env.HOME || os.homedir())];
  for (const file of candidates) {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && explicit === undefined) continue;
      return { error: `cannot read config ${file}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}` };
    }
    const shown = path.relative(io.cwd, file) || file;
    return parseLintConfig(text, shown.startsWith('..') ? file : shown);
  }
  return { config: {} };
}

const DOCKERFILE_NAME = /^(Dockerfile|Containerfile)([.-].*)?$|\.(dockerfile|Dockerfile|containerfile)$/;
const SKIP_DIRS = new Set(['.git', 'node_modules', '.hg', '.svn']);

/** Files as given; directories searched (recursively) for Dockerfile-like names. */
async function findDockerfiles(paths: string[], io: CommandIO): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    if (p === '-') {
      out.push(p);
      continue;
    }
    let stat;
    try {
      stat = await fs.stat(path.resolve(io.cwd, p));
    } catch {
      throw new UsageError(`cannot read ${p}: no such file or directory`);
    }
    if (!stat.isDirectory()) {
      out.push(p);
      continue;
    }
    const found: string[] = [];
    await search(path.resolve(io.cwd, p), p, found);
    out.push(...found.sort());
  }
  return out;
}

async function search(abs: string, shown: string, out: string[]): Promise<void> {
  const entries = await fs.readdir(abs, { withFileTypes: true });
  for (const e of entries) {
    const child = path.join(shown, e.name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) await search(path.join(abs, e.name), child, out);
    } else if (e.isFile() && DOCKERFILE_NAME.test(e.name) && !e.name.endsWith('.dockerignore')) out.push(child);
  }
}
