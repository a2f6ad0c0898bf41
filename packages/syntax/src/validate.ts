// What BuildKit's instruction layer rejects once the line is parsed: unknown instructions and
// flags, flag values, argument counts, stage names, ONBUILD triggers. Reported as diagnostics;
// the node is kept as written.
import type { Diagnostic, Flag, Instruction, InstructionName } from './ast.js';
import { INSTRUCTION_NAMES } from './ast.js';
import type { BuildContext } from './build.js';
import { diagnostic } from './diagnostics.js';

type FlagKind = 'string' | 'bool' | 'multi';

/** The flags each instruction accepts. */
export const INSTRUCTION_FLAGS: Readonly<Record<InstructionName, Readonly<Record<string, FlagKind>>>> = {
  FROM: { platform: 'string' },
  RUN: { mount: 'multi', network: 'string', security: 'string' },
  CMD: {},
  LABEL: {},
  MAINTAINER: {},
  EXPOSE: {},
  ENV: {},
  ADD: { chown: 'string', chmod: 'string', link: 'bool', checksum: 'string', 'keep-git-dir': 'bool', exclude: 'multi', unpack: 'bool' },
  COPY: { from: 'string', chown: 'string', chmod: 'string', link: 'bool', parents: 'bool', exclude: 'multi' },
  ENTRYPOINT: {},
  VOLUME: {},
  USER: {},
  WORKDIR: {},
  ARG: {},
  ONBUILD: {},
  STOPSIGNAL: {},
  HEALTHCHECK: { interval: 'string', timeout: 'string', 'start-period': 'string', 'start-interval': 'string', retries: 'string' },
  SHELL: {},
};

const validStageName = /^[a-z][a-z0-9-_.]*$/;

export function checkInstruction(ctx: BuildContext, node: Instruction): void {
  const report = ctx.diagnostics;
  if (node.name === undefined) {
    const suggestion = closestInstruction(node.keyword);
    report.push(
      diagnostic(
        'DF001',
        `unknown instruction: ${node.keyword}${suggestion ? ` (did you mean ${suggestion}?)` : ''}`,
        node.keywordRange,
        suggestion && suggestion.toLowerCase() === node.keyword.toLowerCase().replace(/[^a-z]/g, '')
          ? { title: `Change to ${suggestion}`, edits: [{ range: node.keywordRange, newText: suggestion }] }
          : undefined,
      ),
    );
    return;
  }
  checkFlags(ctx, node.name, node.flags);
  const n = node.argNodes.length;
  switch (node.name) {
    case 'FROM':
      if (n === 0) missingArguments(report, node, 'one or three arguments: FROM image [AS name]');
      else if (n === 2 || n > 3 || (n === 3 && !node.asKeyword)) {
        report.push(diagnostic('DF016', 'FROM requires either one or three arguments: FROM image [AS name]', node.args!.range));
      } else if (node.stageName && !validStageName.test(node.stageName.value.toLowerCase())) {
        report.push(
          diagnostic('DF017', `invalid name for build stage: "${node.stageName.value}", name can't start with a number or contain symbols`, node.stageName.range),
        );
      }
      break;
    case 'MAINTAINER':
    case 'USER':
    case 'WORKDIR':
    case 'STOPSIGNAL':
      if (n === 0) missingArguments(report, node, 'exactly one argument');
      break;
    case 'ENV':
    case 'LABEL':
    case 'EXPOSE':
    case 'VOLUME':
    case 'ONBUILD':
      if (n === 0 && !(node.name === 'ONBUILD' && node.trigger)) missingArguments(report, node, 'at least one argument');
      break;
    case 'ARG':
      if (n === 0) missingArguments(report, node, 'at least one argument');
      break;
    case 'ADD':
    case 'COPY':
      if (n < 2) missingArguments(report, node, 'at least two arguments: a source and a destination');
      break;
    case 'RUN':
    case 'CMD':
    case 'ENTRYPOINT':
      if (node.name === 'RUN' && n === 0) missingArguments(report, node, 'at least one argument');
      break;
    case 'SHELL':
      if (n === 0) missingArguments(report, node, 'at least one argument');
      else if (node.command?.form !== 'exec') {
        report.push(diagnostic('DF019', 'SHELL requires the arguments to be in JSON form, e.g. SHELL ["/bin/sh", "-c"]', node.args!.range));
      }
      break;
    case 'HEALTHCHECK':
      if (n === 0) missingArguments(report, node, 'an argument: NONE, or CMD and a command');
      else if (node.type) {
        const type = node.type.value.toUpperCase();
        if (type === 'NONE') {
          if (node.command) report.push(diagnostic('DF021', 'HEALTHCHECK NONE takes no arguments', node.command.range));
        } else if (type !== 'CMD') {
          report.push(diagnostic('DF021', `unknown type "${node.type.value}" in HEALTHCHECK (try CMD)`, node.type.range));
        } else if (!node.command) {
          report.push(diagnostic('DF021', 'HEALTHCHECK CMD requires a command', node.type.range));
        }
        if (type === 'NONE' && node.flags.length > 0) {
          report.push(diagnostic('DF021', 'HEALTHCHECK NONE takes no options', node.flags[0]!.range));
        }
      }
      break;
  }
  if (node.name === 'ONBUILD' && node.trigger?.name) {
    const inner = node.trigger.name;
    if (inner === 'ONBUILD') report.push(diagnostic('DF018', 'chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed', node.trigger.keywordRange));
    else if (inner === 'FROM' || inner === 'MAINTAINER') {
      report.push(diagnostic('DF018', `${inner} isn't allowed as an ONBUILD trigger`, node.trigger.keywordRange));
    }
  }
}

function missingArguments(report: Diagnostic[], node: Instruction, what: string): void {
  report.push(diagnostic('DF002', `${node.name} requires ${what}`, node.keywordRange));
}

function checkFlags(ctx: BuildContext, name: InstructionName, flags: Flag[]): void {
  if (flags.length === 0) return;
  const allowed = INSTRUCTION_FLAGS[name];
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i]!;
    const kind = allowed[flag.name];
    if (!kind) {
      const known = Object.keys(allowed).map((k) => `--${k}`);
      ctx.diagnostics.push(
        diagnostic('DF003', `unknown flag: --${flag.name} (${name} ${known.length ? `accepts ${known.join(', ')}` : 'takes no flags'})`, flag.nameRange),
      );
      continue;
    }
    if (kind !== 'multi' && seenBefore(flags, i)) {
      ctx.diagnostics.push(diagnostic('DF004', `duplicate flag specified: --${flag.name}`, flag.range));
    }
    if (kind === 'bool') {
      if (flag.value !== undefined && flag.value !== 'true' && flag.value !== 'false') {
        ctx.diagnostics.push(diagnostic('DF004', `expecting boolean value for flag --${flag.name}, not: ${flag.value}`, flag.valueRange ?? flag.range));
      }
    } else if (flag.value === undefined) {
      ctx.diagnostics.push(diagnostic('DF004', `missing a value on flag: --${flag.name}`, flag.range));
    }
  }
}

/** Whether a flag before flags[i] has its name (an instruction has a few flags at most). */
function seenBefore(flags: Flag[], i: number): boolean {
  for (let j = 0; j < i; j++) if (flags[j]!.name === flags[i]!.name) return true;
  return false;
}

/** The known instruction nearest to a misspelt keyword (edit distance ≤ 2), for "did you mean". */
function closestInstruction(keyword: string): InstructionName | undefined {
  const word = keyword.toUpperCase();
  let best: InstructionName | undefined;
  let bestDistance = 3;
  for (const name of INSTRUCTION_NAMES) {
    const d = editDistance(word, name);
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
