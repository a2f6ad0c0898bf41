// hadolint's rules about the commands a RUN runs: package managers, downloads, shell habits.
// They read the commands lint's shell parser found (see shell.ts), with known ARG/ENV values substituted.
import type { CommandInstruction, CopyInstruction, Instruction, Range } from '@dfc/syntax';
import type { StageModel } from '../model.js';
import type { Rule, RuleContext } from '../rule.js';
import type { ShellCommand, ShellWord } from '../shell.js';
import { hadolintRule } from './define.js';
import { flag } from './buildkit.js';
import { ARCHIVE } from './instructions.js';

interface RunStep {
  stage: StageModel;
  run: CommandInstruction;
  commands: ShellCommand[];
  hasPipe: boolean;
}

/** Every shell-form RUN with its parsed commands, stage by stage. */
function runSteps(ctx: RuleContext): RunStep[] {
  return ctx.shared(listRunSteps);
}

function listRunSteps(ctx: RuleContext): RunStep[] {
  const out: RunStep[] = [];
  for (const stage of ctx.model.stages)
    for (const instr of stage.body) {
      // `ONBUILD RUN …` runs in the images built on this one: the same rules apply to it.
      const i = instr.name === 'ONBUILD' && instr.trigger?.name === 'RUN' ? instr.trigger : instr;
      if (i.name !== 'RUN') continue;
      const script = ctx.shell(i as CommandInstruction);
      if (script) out.push({ stage, run: i as CommandInstruction, commands: script.commands, hasPipe: script.hasPipe });
    }
  return out;
}

/** Options whose next word is their value, per tool (so the value is not taken for a package). */
const VALUE_OPTIONS: Record<string, Set<string>> = {
  'apt-get': new Set(['-o', '--option', '-t', '--target-release', '--default-release', '-c', '--config-file']),
  apt: new Set(['-o', '--option', '-t', '--target-release', '-c', '--config-file']),
  apk: new Set(['-X', '--repository', '-t', '--virtual', '-p', '--root', '--arch', '--cache-dir', '--keys-dir', '--repositories-file']),
  pip: new Set(['-r', '--requirement', '-c', '--constraint', '-e', '--editable', '-i', '--index-url', '--extra-index-url', '-f', '--find-links', '-t', '--target', '--prefix', '--root', '--trusted-host', '--platform', '--python-version', '--implementation', '--abi', '--progress-bar', '--src', '--upgrade-strategy', '--cache-dir', '--log', '--proxy', '--retries', '--timeout', '--exists-action', '--cert', '--client-cert', '--only-binary', '--no-binary', '--config-settings', '-C', '--global-option', '--install-option']),
  npm: new Set(['--prefix', '--registry', '--cache', '--tag', '-w', '--workspace', '--userconfig', '--loglevel', '--omit', '--include', '--install-strategy']),
  gem: new Set(['-v', '--version', '-s', '--source', '-i', '--install-dir', '-n', '--bindir', '--platform', '-P', '--trust-policy', '-g', '--file']),
  yum: new Set(['-c', '--config', '--installroot', '--enablerepo', '--disablerepo', '-x', '--exclude', '--releasever', '--setopt']),
  dnf: new Set(['-c', '--config', '--installroot', '--enablerepo', '--disablerepo', '-x', '--exclude', '--releasever', '--setopt', '--repo', '--repofrom', '--repofrompath']),
  zypper: new Set(['-r', '--repo', '-t', '--type', '--from', '-R', '--root']),
  go: new Set(['-o', '-p', '-mod', '-modfile', '-tags', '-ldflags', '-gcflags', '-asmflags', '-buildmode', '-compiler', '-pkgdir', '-toolexec', '-overlay', '-pgo']),
};

const NO_OPTIONS: ReadonlySet<string> = new Set();

interface Invocation {
  /** The subcommand (`install`), '' when none. */
  sub: string;
  /** Option words (everything starting with `-`), values of value-taking options excluded. */
  options: string[];
  /** Non-option words after the subcommand. */
  operands: ShellWord[];
  /** Every word after the name, as given. */
  args: ShellWord[];
}

/** Splits a command's words into its subcommand, options and operands. */
function invocation(cmd: ShellCommand, tool: string, skipFirstOperands = 0): Invocation {
  const valueOptions = VALUE_OPTIONS[tool] ?? NO_OPTIONS;
  const inv: Invocation = { sub: '', options: [], operands: [], args: cmd.args };
  let skip = skipFirstOperands;
  for (let k = 0; k < cmd.args.length; k++) {
    const w = cmd.args[k]!;
    if (w.known && w.text.startsWith('-') && w.text !== '-') {
      inv.options.push(w.text);
      if (valueOptions.has(w.text) && !w.text.includes('=')) {
        inv.options.push(`${w.text}=${cmd.args[k + 1]?.text ?? ''}`);
        k++;
      }
      continue;
    }
    if (skip > 0) {
      skip--;
      continue;
    }
    if (inv.sub === '' && w.known) inv.sub = w.text;
    else inv.operands.push(w);
  }
  return inv;
}

/** Every `tool SUB …` in the stage's RUNs whose sub-command is one of `subs`, with its step. */
function invocations(ctx: RuleContext, tool: string, subs: readonly string[]): { step: RunStep; inv: Invocation }[] {
  return toolCalls(ctx, tool).filter((call) => subs.includes(call.inv.sub));
}

/** Every command named `tool` in the file's RUNs, split into its words; rules share the list. */
function toolCalls(ctx: RuleContext, tool: string): { step: RunStep; inv: Invocation }[] {
  const byTool = ctx.shared(toolCallLists);
  let calls = byTool.get(tool);
  if (calls) return calls;
  calls = [];
  for (const step of stepsRunning(ctx, tool)) for (const c of step.commands) if (c.name === tool) calls.push({ step, inv: invocation(c, tool) });
  byTool.set(tool, calls);
  return calls;
}

/** The RUN steps that run a command of this name, in order: most rules look for commands most files never run. */
function stepsRunning(ctx: RuleContext, name: string): readonly RunStep[] {
  return ctx.shared(stepsByCommand).get(name) ?? NO_STEPS;
}

/** Whether some RUN of the file runs a command of this name. */
function runs(ctx: RuleContext, name: string): boolean {
  return stepsRunning(ctx, name).length > 0;
}

/** Whether some RUN of the file runs a command of one of these names. */
function runsAny(ctx: RuleContext, names: Iterable<string>): boolean {
  const run = ctx.shared(stepsByCommand);
  for (const name of names) if (run.has(name)) return true;
  return false;
}

/** The RUN steps of the file that run a command, by the command's name, in order. */
function stepsByCommand(ctx: RuleContext): Map<string, RunStep[]> {
  const out = new Map<string, RunStep[]>();
  for (const step of runSteps(ctx))
    for (const cmd of step.commands) {
      const list = out.get(cmd.name);
      if (!list) out.set(cmd.name, [step]);
      else if (list[list.length - 1] !== step) list.push(step);
    }
  return out;
}

const NO_STEPS: readonly RunStep[] = [];

/** toolCalls() of a file, by tool. */
function toolCallLists(): Map<string, { step: RunStep; inv: Invocation }[]> {
  return new Map();
}

/** pip, pip3, python -m pip, python3.12 -m pip… → the pip words. */
function pipCommand(cmd: ShellCommand): ShellCommand | undefined {
  if (!cmd.name.startsWith('p')) return undefined; // most commands are neither
  if (/^pip(\d+(\.\d+)?)?$/.test(cmd.name)) return cmd;
  if (/^python(\d+(\.\d+)?)?$/.test(cmd.name)) {
    const m = cmd.args.findIndex((a) => a.text === '-m');
    if (m >= 0 && /^pip(\d+(\.\d+)?)?$/.test(cmd.args[m + 1]?.text ?? '')) return { name: 'pip', args: cmd.args.slice(m + 2) };
  }
  return undefined;
}

function hasOption(inv: Invocation, ...names: string[]): boolean {
  return inv.options.some((o) => names.includes(o) || names.some((n) => n.startsWith('--') && o.startsWith(n + '=')));
}

/** A short-option cluster such as `-qy` holds the letter. */
function hasShortFlag(inv: Invocation, letter: string): boolean {
  return inv.options.some((o) => /^-[A-Za-z]+$/.test(o) && o.slice(1).includes(letter));
}

/** The RUN has `--mount=type=cache` on one of the given directories. */
function cacheMounted(run: Instruction, ...dirs: string[]): boolean {
  for (const f of run.flags) {
    if (f.name !== 'mount' || !f.value) continue;
    const opts = new Map(f.value.split(',').map((kv) => { const eq = kv.indexOf('='); return eq < 0 ? [kv, ''] : [kv.slice(0, eq), kv.slice(eq + 1)]; }) as [string, string][]);
    if (opts.get('type') !== 'cache') continue;
    const target = (opts.get('target') ?? opts.get('dst') ?? opts.get('destination') ?? '').replace(/\/+$/, '');
    if (dirs.some((d) => target === d || d.startsWith(target + '/'))) return true;
  }
  return false;
}

/** Reports at `needle` in the RUN: a package or an option, or (`at: 'command'`) a command name. */
function report(ctx: RuleContext, id: string, step: RunStep, needle: string, message: string, at: 'word' | 'command' = 'word'): void {
  ctx.report(id, at === 'command' ? ctx.locateCommand(step.run, needle) : ctx.locate(step.run, needle), message);
}

/** Some `rm` removes the directory (or what is in it: `dir/*`, `dir*`). */
function removes(commands: ShellCommand[], path: string): boolean {
  return commands.some((c) => c.name === 'rm' && c.args.some((a) => a.text === path || a.text.startsWith(path + '/') || a.text === path + '*'));
}

/** DL3001's commands. */
const POINTLESS = new Set(['ssh', 'vim', 'shutdown', 'service', 'ps', 'free', 'top', 'kill', 'mount', 'ifconfig', 'nano']);

const pkgRule = (spec: Parameters<typeof hadolintRule>[0]) => hadolintRule(spec);

export const RUN_RULES: Rule[] = [
  pkgRule({
    id: 'DL3001',
    title: 'Commands that make no sense in a container',
    severity: 'info',
    why: 'Interactive or system tools (ssh, vim, service, shutdown, top…) do nothing useful while an image is built.',
    bad: 'FROM debian:12\nRUN service nginx start\n',
    good: 'FROM debian:12\nCMD ["nginx", "-g", "daemon off;"]\n',
    check(ctx) {
      if (!runsAny(ctx, POINTLESS)) return;
      for (const step of runSteps(ctx)) for (const c of step.commands) if (POINTLESS.has(c.name)) report(ctx, 'DL3001', step, c.name, `For some bash commands it makes no sense running them in a Docker container (${c.name})`, 'command');
    },
  }),
  pkgRule({
    id: 'DL3003',
    title: 'Use WORKDIR to switch to a directory',
    severity: 'warning',
    why: '`cd` lasts only until the end of its RUN. WORKDIR sets the directory for every later instruction and says so.',
    bad: 'FROM alpine\nRUN cd /app && make\n',
    good: 'FROM alpine\nWORKDIR /app\nRUN make\n',
    check(ctx) {
      for (const step of stepsRunning(ctx, 'cd')) report(ctx, 'DL3003', step, 'cd ', 'Use WORKDIR to switch to a directory', 'command');
    },
  }),
  pkgRule({
    id: 'DL3004',
    title: 'Do not use sudo',
    severity: 'error',
    why: 'Builds run as root unless USER says otherwise; sudo adds a setuid binary and unpredictable TTY and environment behaviour.',
    bad: 'FROM debian:12\nRUN sudo apt-get update\n',
    good: 'FROM debian:12\nUSER root\nRUN apt-get update\n',
    check(ctx) {
      for (const step of stepsRunning(ctx, 'sudo')) report(ctx, 'DL3004', step, 'sudo', 'Do not use sudo as it leads to unpredictable behavior. Use a tool like gosu to enforce root', 'command');
    },
  }),
  pkgRule({
    id: 'DL3008',
    title: 'Pin versions in apt-get install',
    severity: 'warning',
    why: 'Unpinned packages change under you: the same Dockerfile builds different images from week to week.',
    bad: 'FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n',
    good: 'FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5 && rm -rf /var/lib/apt/lists/*\n',
    check(ctx) {
      for (const { step, inv } of invocations(ctx, 'apt-get', ['install'])) {
        const unpinned = inv.operands.filter((w) => w.known && !w.text.includes('=') && !w.text.endsWith('.deb') && !w.text.includes('/'));
        if (unpinned.length) report(ctx, 'DL3008', step, unpinned[0]!.text, `Pin versions in apt-get install: ${unpinned.map((w) => w.text).join(', ')} (e.g. ${unpinned[0]!.text}=<version>)`);
      }
    },
  }),
  pkgRule({
    id: 'DL3009',
    title: 'Delete the apt lists after installing',
    severity: 'info',
    why: 'apt-get update leaves tens of megabytes in /var/lib/apt/lists; removing them in the same RUN keeps them out of the final image.',
    bad: 'FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n',
    good: 'FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n',
    check(ctx) {
      if (!runs(ctx, 'apt-get') && !runs(ctx, 'apt')) return;
      const last = ctx.model.stages[ctx.model.stages.length - 1];
      for (const step of runSteps(ctx)) {
        if (step.stage !== last) continue; // only what ends up in the image matters
        const installs = step.commands.some((c) => (c.name === 'apt-get' || c.name === 'apt') && invocation(c, c.name).sub === 'install');
        // `apt-get dist-clean` (apt 2.7+) removes the lists too.
        const distClean = step.commands.some((c) => (c.name === 'apt-get' || c.name === 'apt') && invocation(c, c.name).sub === 'dist-clean');
        if (!installs || distClean || removes(step.commands, '/var/lib/apt/lists') || cacheMounted(step.run, '/var/lib/apt/lists', '/var/lib/apt')) continue;
        report(ctx, 'DL3009', step, 'apt-get', 'Delete the apt-get lists after installing something (rm -rf /var/lib/apt/lists/*)', 'command');
      }
    },
  }),
  pkgRule({
    id: 'DL3010',
    title: 'Let ADD extract local archives',
    severity: 'info',
    why: 'COPY of a tarball followed by `tar -x` keeps the archive in a layer; `ADD archive.tar.gz /dir/` unpacks it in one step.',
    bad: 'FROM alpine\nCOPY app.tar.gz /tmp/\nRUN tar -xzf /tmp/app.tar.gz -C /opt\n',
    good: 'FROM alpine\nADD app.tar.gz /opt/\n',
    check(ctx) {
      if (!ctx.inStages('COPY').some((i) => i.sources.some((src) => ARCHIVE.test(src.value)))) return;
      for (const s of ctx.model.stages) {
        const copied: string[] = [];
        for (const i of s.body) {
          if (i.name === 'COPY' && !flag(i, 'from')) for (const src of (i as CopyInstruction).sources) if (ARCHIVE.test(src.value) && /\.(tar|tgz|tbz2?|txz)|\.tar\./.test(src.value)) copied.push(base(src.value));
          if (i.name !== 'RUN' || copied.length === 0) continue;
          const script = ctx.shell(i as CommandInstruction, true);
          for (const c of script?.commands ?? []) {
            if (c.name !== 'tar' || !c.args.some((a) => /^-?[a-zA-Z]*x/.test(a.text) || a.text === '--extract')) continue;
            const hit = c.args.find((a) => copied.includes(base(a.text)));
            if (hit) ctx.report('DL3010', ctx.locate(i, 'tar'), `Use ADD for extracting archives into an image (${hit.text})`);
          }
        }
      }
    },
  }),
  pkgRule({
    id: 'DL3013',
    title: 'Pin versions in pip install',
    severity: 'warning',
    why: 'An unpinned pip package installs whatever is newest at build time; pin it (`pkg==1.2.3`) or install from a locked requirements file.',
    bad: 'FROM python:3.12\nRUN pip install --no-cache-dir requests\n',
    good: 'FROM python:3.12\nRUN pip install --no-cache-dir requests==2.32.3\n',
    check(ctx) {
      for (const step of runSteps(ctx))
        for (const raw of step.commands) {
          const c = pipCommand(raw);
          if (!c) continue;
          const inv = invocation(c, 'pip');
          if (inv.sub !== 'install' || hasOption(inv, '-r', '--requirement', '-c', '--constraint')) continue;
          const unpinned = inv.operands.filter((w) => w.known && !/[=<>~!@]/.test(w.text) && !/[/\\]|^\.|\.(whl|tar\.gz|zip|tgz)$/i.test(w.text) && !/^(pip|setuptools|wheel)$/i.test(w.text.split('[')[0]!));
          if (unpinned.length) report(ctx, 'DL3013', step, unpinned[0]!.text, `Pin versions in pip: ${unpinned.map((w) => w.text).join(', ')} (e.g. ${unpinned[0]!.text}==<version>)`);
        }
    },
  }),
  pkgRule({
    id: 'DL3014',
    title: 'Use apt-get -y',
    severity: 'warning',
    why: 'Without `-y` apt-get asks for confirmation, and a build has no one to answer.',
    bad: 'FROM debian:12\nRUN apt-get install --no-install-recommends curl\n',
    good: 'FROM debian:12\nRUN apt-get install -y --no-install-recommends curl\n',
    check(ctx) {
      for (const { step, inv } of invocations(ctx, 'apt-get', ['install', 'upgrade', 'dist-upgrade', 'remove', 'purge', 'autoremove', 'full-upgrade'])) {
        if (hasOption(inv, '-y', '--yes', '--assume-yes', '-qq', '-q=2', '--quiet=2') || hasShortFlag(inv, 'y') || inv.options.includes('-qq') || inv.options.filter((o) => o === '-q' || o === '--quiet').length >= 2) continue;
        if (inv.options.some((o) => /APT::Get::Assume-Yes=(true|1|yes)/i.test(o))) continue;
        report(ctx, 'DL3014', step, inv.sub, 'Use the -y switch to avoid manual input `apt-get -y install <package>`');
      }
    },
  }),
  pkgRule({
    id: 'DL3015',
    title: 'Use --no-install-recommends',
    severity: 'info',
    why: "apt installs recommended packages by default, which often doubles an image's size with things nothing uses.",
    bad: 'FROM debian:12\nRUN apt-get install -y curl\n',
    good: 'FROM debian:12\nRUN apt-get install -y --no-install-recommends curl\n',
    check(ctx) {
      for (const { step, inv } of invocations(ctx, 'apt-get', ['install'])) {
        if (hasOption(inv, '--no-install-recommends')) continue;
        if (inv.options.some((o) => /Install-Recommends=(false|0|no)/i.test(o))) continue;
        report(ctx, 'DL3015', step, 'install', 'Avoid additional packages by specifying `--no-install-recommends`');
      }
    },
  }),
  pkgRule({
    id: 'DL3016',
    title: 'Pin versions in npm install',
    severity: 'warning',
    why: 'Installing a named npm package without a version takes the newest release, so builds drift.',
    bad: 'FROM node:20\nRUN npm install -g typescript\n',
    good: 'FROM node:20\nRUN npm install -g typescript@5.6.3\n',
    check(ctx) {
      for (const { step, inv } of invocations(ctx, 'npm', ['install', 'i', 'add', 'isntall', 'in'])) {
        const unpinned = inv.operands.filter((w) => w.known && !/^@?[^@]+@./.test(w.text) && !/^[./~]|:|\.tgz$|\.tar\.gz$|^git|\//.test(w.text.replace(/^@[^/]+\//, '')));
        if (unpinned.length) report(ctx, 'DL3016', step, unpinned[0]!.text, `Pin versions in npm: ${unpinned.map((w) => w.text).join(', ')} (e.g. ${unpinned[0]!.text}@<version>)`);
      }
    },
  }),
  pkgRule({
    id: 'DL3018',
    title: 'Pin versions in apk add',
    severity: 'warning',
    why: 'apk add without a version takes whatever the repository has today; pin with `pkg=1.2.3-r0` (or `~1.2`).',
    bad: 'FROM alpine:3.20\nRUN apk add --no-cache curl\n',
    good: 'FROM alpine:3.20\nRUN apk add --no-cache curl=8.9.1-r1\n',
    check(ctx) {
      for (const { step, inv } of invocations(ctx, 'apk', ['add'])) {
        const unpinned = inv.operands.filter((w) => w.known && !/[=<>~]/.test(w.text) && !w.text.endsWith('.apk'));
        if (unpinned.length) report(ctx, 'DL3018', step, unpinned[0]!.text, `Pin versions in apk add: ${unpinned.map((w) => w.text).join(', ')} (e.g. ${unpinned[0]!.text}=<version>)`);
      }
    },
  }),
  pkgRule({
    id: 'DL3019',
    title: 'Use apk add --no-cache',
    severity: 'info',
    why: '`--no-cache` fetches the index on the fly and leaves no cache in the layer, so no `apk update` or cleanup is needed.',
    bad: 'FROM alpine:3.20\nRUN apk update && apk add curl=8.9.1-r1\n',
    good: 'FROM alpine:3.20\nRUN apk add --no-cache curl=8.9.1-r1\n',
    check(ctx) {
      for (const { step, inv } of invocations(ctx, 'apk', ['add'])) {
        if (hasOption(inv, '--no-cache') || cacheMounted(step.run, '/var/cache/apk', '/etc/apk/cache')) continue;
        report(ctx, 'DL3019', step, 'apk', 'Use the `--no-cache` switch to avoid the need to use `--update` and remove `/var/cache/apk/*` when done installing packages', 'command');
      }
    },
  }),
  pkgRule({
    id: 'DL3027',
    title: 'Use apt-get, not apt, in scripts',
    severity: 'warning',
    why: "apt is meant for people at a terminal: its output and behaviour may change between releases. apt-get's are stable.",
    bad: 'FROM debian:12\nRUN apt install -y curl\n',
    good: 'FROM debian:12\nRUN apt-get install -y --no-install-recommends curl\n',
    check(ctx) {
      for (const step of stepsRunning(ctx, 'apt')) report(ctx, 'DL3027', step, 'apt ', 'Do not use apt as it is meant to be a end-user tool, use apt-get or apt-cache instead', 'command');
    },
  }),
  pkgRule({
    id: 'DL3028',
    title: 'Pin versions in gem install',
    severity: 'warning',
    why: 'A gem without a version installs the newest release at build time.',
    bad: 'FROM ruby:3.3\nRUN gem install bundler\n',
    good: 'FROM ruby:3.3\nRUN gem install bundler:2.5.16\n',
    check(ctx) {
      for (const { step, inv } of invocations(ctx, 'gem', ['install', 'i'])) {
        if (hasOption(inv, '-v', '--version')) continue;
        const unpinned = inv.operands.filter((w) => w.known && !w.text.includes(':') && !w.text.endsWith('.gem'));
        if (unpinned.length) report(ctx, 'DL3028', step, unpinned[0]!.text, `Pin versions in gem install: ${unpinned.map((w) => w.text).join(', ')} (e.g. ${unpinned[0]!.text}:<version>)`);
      }
    },
  }),
  ...rpmRules('yum', 'DL3030', 'DL3032', 'DL3033', '/var/cache/yum'),
  pkgRule({
    id: 'DL3034',
    title: 'Use zypper non-interactively',
    severity: 'warning',
    why: 'Without `-n` (or `-y`) zypper waits for an answer the build cannot give.',
    bad: 'FROM opensuse/leap:15.6\nRUN zypper install curl\n',
    good: 'FROM opensuse/leap:15.6\nRUN zypper -n install curl\n',
    check(ctx) {
      for (const { step, inv } of invocations(ctx, 'zypper', ['install', 'in', 'remove', 'rm', 'source-install', 'si', 'patch', 'update', 'up', 'dist-upgrade', 'dup'])) {
        if (hasOption(inv, '-n', '--non-interactive', '-y', '--no-confirm')) continue;
        report(ctx, 'DL3034', step, 'zypper', 'Non-interactive switch missing from `zypper` command: `zypper install -y`', 'command');
      }
    },
  }),
  pkgRule({
    id: 'DL3035',
    title: 'Do not use zypper dist-upgrade',
    severity: 'warning',
    why: 'A distribution upgrade inside a build changes the whole base in ways the image tag does not show; use a newer base image.',
    bad: 'FROM opensuse/leap:15.6\nRUN zypper -n dist-upgrade\n',
    good: 'FROM opensuse/leap:15.6\nRUN zypper -n install curl=8.0.1\n',
    check(ctx) {
      for (const step of stepsRunning(ctx, 'zypper'))
        for (const c of step.commands) if (c.name === 'zypper' && ['dist-upgrade', 'dup'].includes(invocation(c, 'zypper').sub)) report(ctx, 'DL3035', step, 'zypper', 'Do not use `zypper dist-upgrade`', 'command');
    },
  }),
  pkgRule({
    id: 'DL3036',
    title: 'Clean the zypper cache after installing',
    severity: 'warning',
    why: "zypper keeps downloaded packages and metadata; `zypper clean` in the same RUN keeps them out of the layer.",
    bad: 'FROM opensuse/leap:15.6\nRUN zypper -n install curl=8.0.1\n',
    good: 'FROM opensuse/leap:15.6\nRUN zypper -n install curl=8.0.1 && zypper clean\n',
    check(ctx) {
      for (const step of stepsRunning(ctx, 'zypper')) {
        const installs = step.commands.some((c) => c.name === 'zypper' && ['install', 'in'].includes(invocation(c, 'zypper').sub));
        const cleans = step.commands.some((c) => c.name === 'zypper' && ['clean', 'cc'].includes(invocation(c, 'zypper').sub));
        if (installs && !cleans && !cacheMounted(step.run, '/var/cache/zypp')) report(ctx, 'DL3036', step, 'zypper', '`zypper clean` missing after zypper use', 'command');
      }
    },
  }),
  pkgRule({
    id: 'DL3037',
    title: 'Pin versions in zypper install',
    severity: 'warning',
    why: 'Unpinned packages make the image depend on the day it was built.',
    bad: 'FROM opensuse/leap:15.6\nRUN zypper -n install curl && zypper clean\n',
    good: 'FROM opensuse/leap:15.6\nRUN zypper -n install curl=8.0.1 && zypper clean\n',
    check(ctx) {
      for (const { step, inv } of invocations(ctx, 'zypper', ['install', 'in'])) {
        const unpinned = inv.operands.filter((w) => w.known && !/[=<>]/.test(w.text) && !w.text.endsWith('.rpm'));
        if (unpinned.length) report(ctx, 'DL3037', step, unpinned[0]!.text, `Specify version with \`zypper install -y <package>=<version>\`: ${unpinned.map((w) => w.text).join(', ')}`);
      }
    },
  }),
  ...rpmRules('dnf', 'DL3038', 'DL3040', 'DL3041', '/var/cache/dnf'),
  pkgRule({
    id: 'DL3042',
    title: 'Use pip install --no-cache-dir',
    severity: 'warning',
    why: "pip's download cache is of no use in an image and only adds to the layer.",
    bad: 'FROM python:3.12\nRUN pip install requests==2.32.3\n',
    good: 'FROM python:3.12\nRUN pip install --no-cache-dir requests==2.32.3\n',
    check(ctx) {
      for (const step of runSteps(ctx)) {
        if (!step.commands.some((c) => pipCommand(c))) continue;
        const env = ctx.scope(step.run).get('PIP_NO_CACHE_DIR');
        if (env !== undefined && /^(1|true|yes|on|off|0|false|no)$/i.test(env)) continue;
        if (cacheMounted(step.run, '/root/.cache/pip', '/root/.cache')) continue;
        for (const raw of step.commands) {
          const c = pipCommand(raw);
          if (!c) continue;
          const inv = invocation(c, 'pip');
          if (inv.sub !== 'install' || hasOption(inv, '--no-cache-dir', '--no-cache')) continue;
          report(ctx, 'DL3042', step, 'pip', 'Avoid use of cache directory with pip. Use `pip install --no-cache-dir <package>`', 'command');
        }
      }
    },
  }),
  pkgRule({
    id: 'DL3046',
    title: 'useradd with a high UID needs -l',
    severity: 'warning',
    why: 'useradd records every UID up to the new one in a sparse lastlog file; with a high UID and no `-l` that file can add gigabytes to the layer.',
    bad: 'FROM debian:12\nRUN useradd -u 123456 app\n',
    good: 'FROM debian:12\nRUN useradd -l -u 123456 app\n',
    check(ctx) {
      for (const step of stepsRunning(ctx, 'useradd'))
        for (const c of step.commands) {
          if (c.name !== 'useradd') continue;
          const idx = c.args.findIndex((a) => a.text === '-u' || a.text === '--uid');
          const uid = idx >= 0 ? c.args[idx + 1]?.text : c.args.find((a) => a.text.startsWith('--uid='))?.text.slice(6);
          if (!uid || !/^\d+$/.test(uid) || Number(uid) <= 65535) continue;
          if (c.args.some((a) => a.text === '-l' || a.text === '--no-log-init' || /^-[a-zA-Z]*l[a-zA-Z]*$/.test(a.text))) continue;
          report(ctx, 'DL3046', step, 'useradd', `useradd without flag -l and high UID (${uid}) will result in excessively large image`, 'command');
        }
    },
  }),
  pkgRule({
    id: 'DL3047',
    title: 'Give wget a quiet progress style',
    severity: 'info',
    why: "wget's default progress bar writes thousands of lines into build logs for a large download.",
    bad: 'FROM debian:12\nRUN wget https://example.com/app.tar.gz\n',
    good: 'FROM debian:12\nRUN wget --progress=dot:giga https://example.com/app.tar.gz\n',
    check(ctx) {
      for (const step of stepsRunning(ctx, 'wget'))
        for (const c of step.commands) {
          if (c.name !== 'wget') continue;
          if (c.args.some((a) => /^--progress(=|$)|^--quiet$|^--no-verbose$|^-[a-zA-Z]*[qo]|^-nv$|^--output-file(=|$)|^-a$|^--append-output(=|$)/.test(a.text))) continue;
          report(ctx, 'DL3047', step, 'wget', 'Avoid use of wget without progress bar. Use `wget --progress=dot:giga <url>` or `wget -q <url>`', 'command');
        }
    },
  }),
  pkgRule({
    id: 'DL3060',
    title: 'Clean the yarn cache after yarn install',
    severity: 'info',
    why: "yarn's cache duplicates every installed package; clean it in the same RUN (or use a cache mount).",
    bad: 'FROM node:20\nRUN yarn install --frozen-lockfile\n',
    good: 'FROM node:20\nRUN yarn install --frozen-lockfile && yarn cache clean\n',
    check(ctx) {
      for (const step of stepsRunning(ctx, 'yarn')) {
        // A bare `yarn` installs too, but `yarn --version` or `yarn -h` does not.
        const installs = step.commands.some((c) => {
          if (c.name !== 'yarn') return false;
          const inv = invocation(c, 'yarn');
          return inv.sub === 'install' || inv.sub === 'add' || (inv.sub === '' && !hasOption(inv, '--version', '-v', '--help', '-h'));
        });
        const cleans = step.commands.some((c) => c.name === 'yarn' && invocation(c, 'yarn').sub === 'cache' && c.args.some((a) => a.text === 'clean'));
        if (installs && !cleans && !cacheMounted(step.run, '/usr/local/share/.cache/yarn', '/root/.cache/yarn', '/root/.yarn')) report(ctx, 'DL3060', step, 'yarn', '`yarn cache clean` missing after `yarn install` was run.', 'command');
      }
    },
  }),
  pkgRule({
    id: 'DL3062',
    title: 'Pin versions in go install',
    severity: 'warning',
    why: '`go install pkg` without `@version` needs a module context and otherwise picks whatever is newest; `pkg@v1.2.3` is reproducible.',
    bad: 'FROM golang:1.23\nRUN go install golang.org/x/tools/gopls@latest\n',
    good: 'FROM golang:1.23\nRUN go install golang.org/x/tools/gopls@v0.16.2\n',
    check(ctx) {
      for (const { step, inv } of invocations(ctx, 'go', ['install'])) {
        const bad = inv.operands.filter((w) => w.known && !w.text.startsWith('.') && !w.text.startsWith('/') && (!w.text.includes('@') || w.text.endsWith('@latest')) && w.text.includes('.'));
        if (bad.length) report(ctx, 'DL3062', step, bad[0]!.text, `Pin versions in go install: ${bad.map((w) => w.text).join(', ')} (e.g. ${bad[0]!.text.split('@')[0]}@v1.2.3)`);
      }
    },
  }),
  pkgRule({
    id: 'DL4001',
    title: 'Use either wget or curl, not both',
    severity: 'warning',
    why: 'Two download tools in one image is one more than needed, and both have to be installed and kept patched.',
    bad: 'FROM debian:12\nRUN wget -q https://example.com/a\nRUN curl -fsSLO https://example.com/b\n',
    good: 'FROM debian:12\nRUN curl -fsSLO https://example.com/a && curl -fsSLO https://example.com/b\n',
    check(ctx) {
      if (!runs(ctx, 'wget')) return;
      for (const s of ctx.model.stages) {
        const steps = runSteps(ctx).filter((x) => x.stage === s);
        const usesWget = steps.filter((x) => x.commands.some((c) => c.name === 'wget'));
        if (usesWget.length === 0) continue;
        // curl alone is not worth a shell parse (see mayMatter): RUNs that mention it are read once wget is seen.
        const usesCurl = steps.filter((x) => x.run.text.includes('curl') && ctx.shell(x.run, true)?.commands.some((c) => c.name === 'curl'));
        if (usesCurl.length === 0) continue;
        const second = usesWget[0]!.run.range.start.offset > usesCurl[0]!.run.range.start.offset ? [usesWget[0]!, 'wget'] as const : [usesCurl[0]!, 'curl'] as const;
        report(ctx, 'DL4001', second[0], second[1], 'Either use wget or curl but not both', 'command');
      }
    },
  }),
  pkgRule({
    id: 'DL4005',
    title: 'Use SHELL to change the default shell',
    severity: 'warning',
    why: 'Replacing /bin/sh with a link changes the shell under every tool in the image; SHELL changes it for RUN only, visibly.',
    bad: 'FROM debian:12\nRUN ln -sf /bin/bash /bin/sh\n',
    good: 'FROM debian:12\nSHELL ["/bin/bash", "-c"]\n',
    check(ctx) {
      for (const step of stepsRunning(ctx, 'ln'))
        for (const c of step.commands) if (c.name === 'ln' && c.args[c.args.length - 1]?.text === '/bin/sh') report(ctx, 'DL4005', step, 'ln', 'Use SHELL to change the default shell', 'command');
    },
  }),
  pkgRule({
    id: 'DL4006',
    title: 'Set -o pipefail before a RUN with a pipe',
    severity: 'warning',
    why: 'A pipeline fails only if its last command fails, so `curl … | tar x` succeeds even when the download did not. `set -o pipefail` (or a SHELL with it) makes the first failure count.',
    bad: 'FROM debian:12\nRUN curl -fsSL https://example.com/x.tgz | tar -xz\n',
    good: 'FROM debian:12\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\nRUN curl -fsSL https://example.com/x.tgz | tar -xz\n',
    check(ctx) {
      // A RUN of a stage with a pipe is among runSteps (with the same parse).
      if (!runSteps(ctx).some((step) => step.hasPipe)) return;
      for (const s of ctx.model.stages) {
        let pipefail = shellHasPipefail(s.baseStage);
        for (const i of s.body) {
          if (i.name === 'SHELL') pipefail = shellOk(i as CommandInstruction);
          if (i.name !== 'RUN' || pipefail) continue;
          const script = ctx.shell(i as CommandInstruction);
          if (!script?.hasPipe) continue;
          if (script.commands.some((c) => c.name === 'set' && c.args.some((a) => a.text === 'pipefail'))) continue;
          ctx.report('DL4006', pipeRange(ctx, i), 'Set the SHELL option -o pipefail before RUN with a pipe in it. If you are using /bin/sh in an alpine image or if your shell is symlinked to busybox then consider explicitly setting your SHELL to /bin/ash, or disable this check');
        }
      }
    },
  }),
];

/** The first `|` of a RUN that is a pipe: not half of `||`, not quoted or escaped, not on a comment line. */
function pipeRange(ctx: RuleContext, run: Instruction): Range {
  const t = run.text;
  let quote = '';
  let lineStart = true;
  let comment = false;
  for (let k = 0; k < t.length; k++) {
    const c = t[k]!;
    if (c === '\n') {
      lineStart = true;
      comment = false;
      continue;
    }
    if (comment) continue;
    if (lineStart && c !== ' ' && c !== '\t') {
      lineStart = false;
      if (c === '#' && k > 0 && quote === '') {
        comment = true;
        continue;
      }
    }
    // A backslash escapes the next character, but a line it continues is a line (it may be a comment).
    const escapes = c === '\\' && t[k + 1] !== '\n' && t[k + 1] !== '\r';
    if (quote !== '') {
      if (c === quote) quote = '';
      else if (escapes && quote === '"') k++;
    } else if (escapes) k++;
    else if (c === "'" || c === '"') quote = c;
    else if (c === '|') {
      if (t[k + 1] === '|') k++;
      else return ctx.range(run.range.start.offset + k, run.range.start.offset + k + 1);
    }
  }
  return ctx.locate(run, '|');
}

/** yum and dnf share their rules: -y, clean all, and versions as `name-version`. */
function rpmRules(tool: 'yum' | 'dnf', yesId: string, cleanId: string, pinId: string, cacheDir: string): Rule[] {
  const names = tool === 'dnf' ? ['dnf', 'microdnf'] : ['yum'];
  const bad = tool === 'dnf' ? 'FROM fedora:40\nRUN dnf install httpd-2.4.62 && dnf clean all\n' : 'FROM centos:7\nRUN yum install httpd-2.4.6 && yum clean all\n';
  const good = tool === 'dnf' ? 'FROM fedora:40\nRUN dnf install -y httpd-2.4.62 && dnf clean all\n' : 'FROM centos:7\nRUN yum install -y httpd-2.4.6 && yum clean all\n';
  const installs = (c: ShellCommand) => names.includes(c.name) && ['install', 'groupinstall', 'localinstall', 'reinstall'].includes(invocation(c, tool).sub);
  return [
    hadolintRule({
      id: yesId,
      title: `Use ${tool} -y`,
      severity: 'warning',
      why: `Without \`-y\` ${tool} asks for confirmation, and a build has no one to answer.`,
      bad,
      good,
      check(ctx) {
        if (!runsAny(ctx, names)) return;
        for (const step of runSteps(ctx))
          for (const c of step.commands) {
            if (!names.includes(c.name)) continue;
            const inv = invocation(c, tool);
            if (!['install', 'groupinstall', 'localinstall', 'reinstall', 'update', 'upgrade', 'remove', 'erase', 'module'].includes(inv.sub)) continue;
            if (hasOption(inv, '-y', '--assumeyes') || hasShortFlag(inv, 'y')) continue;
            report(ctx, yesId, step, c.name, `Use the -y switch to avoid manual input \`${c.name} install -y <package>\``);
          }
      },
    }),
    hadolintRule({
      id: cleanId,
      title: `Run ${tool} clean all after installing`,
      severity: 'warning',
      why: `${tool} keeps its metadata and package cache; \`${tool} clean all\` in the same RUN keeps them out of the layer.`,
      bad: bad.replace(` && ${tool} clean all`, ''),
      good,
      check(ctx) {
        if (!runsAny(ctx, names)) return;
        for (const step of runSteps(ctx)) {
          if (!step.commands.some(installs)) continue;
          const cleans = step.commands.some((c) => names.includes(c.name) && invocation(c, tool).sub === 'clean') || removes(step.commands, cacheDir);
          if (!cleans && !cacheMounted(step.run, cacheDir)) report(ctx, cleanId, step, tool, `\`${tool} clean all\` missing after ${tool} command.`);
        }
      },
    }),
    hadolintRule({
      id: pinId,
      title: `Pin versions in ${tool} install`,
      severity: 'warning',
      why: 'Unpinned packages make the image depend on the day it was built.',
      bad: good.replace(/-2\.4\.\d+/, ''),
      good,
      check(ctx) {
        if (!runsAny(ctx, names)) return;
        for (const step of runSteps(ctx))
          for (const c of step.commands) {
            if (!installs(c)) continue;
            const inv = invocation(c, tool);
            const unpinned = inv.operands.filter((w) => w.known && !/-\d/.test(w.text) && !w.text.endsWith('.rpm') && !w.text.includes('/') && !w.text.startsWith('@'));
            if (unpinned.length) report(ctx, pinId, step, unpinned[0]!.text, `Specify version with \`${c.name} install -y <package>-<version>\`: ${unpinned.map((w) => w.text).join(', ')}`);
          }
      },
    }),
  ];
}

function shellOk(i: CommandInstruction): boolean {
  if (i.command?.form !== 'exec') return false;
  const words = i.command.items.map((w) => w.value.replace(/^"|"$/g, ''));
  const exe = words[0] ?? '';
  if (/pwsh|powershell|cmd(\.exe)?$/i.test(exe)) return true; // not a POSIX shell: pipefail does not apply
  return words.some((w, k) => (w === '-o' && words[k + 1] === 'pipefail') || w === '-eo' && words[k + 1] === 'pipefail' || /^-[a-z]*o$/.test(w) && words[k + 1] === 'pipefail');
}

function shellHasPipefail(stage: StageModel | undefined): boolean {
  for (let s = stage; s; s = s.baseStage) {
    const shells = s.body.filter((i) => i.name === 'SHELL');
    if (shells.length) return shellOk(shells[shells.length - 1] as CommandInstruction);
  }
  return false;
}

function base(p: string): string {
  return p.replace(/["']/g, '').split('/').pop() ?? p;
}
