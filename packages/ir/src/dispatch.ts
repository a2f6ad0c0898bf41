// Runs a stage's instructions in order, as BuildKit's dispatcher does, without running
// anything: each step expands its words against the variables in force, updates the image
// config, and becomes a vertex of the build graph with the inputs of its cache key.
import type {
  ArgInstruction, CommandInstruction, CopyInstruction, Diagnostic, Flag, HealthcheckInstruction, Instruction, KeyValueInstruction, ListInstruction, Range,
  SingleValueInstruction, Word,
} from '@dfc/syntax';
import {
  checkSignal, cleanPath, cloneConfig, DEFAULT_PATH, envKey, envValue, parseHealthDuration, parsePortSpec, resolveWorkdir, setEnv, withShell,
  type HealthConfig, type ImageConfig,
} from './config.js';
import { canonicalJSON, sortedRecord } from './cache-key.js';
import { irDiagnostic } from './diagnostics.js';
import { expandWord, expandWords, type EscapeChar } from './expand.js';
import type { GraphBuilder, StageState } from './graph.js';
import { parseMount } from './mounts.js';
import { formatPlatform } from './platform.js';
import type { CopySource, Edge, FileSource, HistoryEntry, MetaInstruction, RunFile, RunMount } from './plan.js';
import { wordRange } from './ranges.js';
import { forEachStep, type StageHeader, type StageSetup } from './stages.js';

export interface DispatchOptions {
  buildArgs: ReadonlyMap<string, string>;
  /** The build args among PROXY_ARGS, with their values: every RUN gets them. */
  proxyArgs: [string, string][];
}

/** The build args a step read, in a diagnostics-only plan (which has no cache keys to put them in). */
const NO_ARGS: Record<string, string> = Object.freeze({}) as Record<string, string>;

const PROXY_ARGS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy'];

export function dispatchOptions(buildArgs: ReadonlyMap<string, string>): DispatchOptions {
  const proxyArgs: [string, string][] = [];
  for (const name of PROXY_ARGS) {
    const value = buildArgs.get(name);
    if (value !== undefined) proxyArgs.push([name, value]);
  }
  return { buildArgs, proxyArgs };
}

class StageDispatch {
  readonly diagnostics: Diagnostic[] = [];
  state!: StageState;
  /**
   * False for a diagnostics-only plan: each step stops once its diagnostics are known, before the
   * config changes and the vertex, which no diagnostic reads.
   */
  private readonly plan: boolean;
  private readonly expandOptions: { escapeChar: EscapeChar };

  constructor(
    private readonly graph: GraphBuilder,
    private readonly setup: StageSetup,
    private readonly options: DispatchOptions,
    private readonly stage: StageHeader,
  ) {
    this.plan = !graph.diagnosticsOnly;
    this.expandOptions = { escapeChar: setup.escapeChar };
  }

  start(): void {
    const { stage } = this;
    const base = stage.base;
    const parent = base.kind === 'stage' ? this.graph.stageResult(base.stage) : undefined;
    if (parent) {
      // A diagnostics-only plan changes no config: it can share its base stage's.
      const config = this.plan ? cloneConfig(parent.config) : parent.config;
      // ONBUILD triggers run in the stage built on this one; they do not carry over.
      if (this.plan) delete config.config.OnBuild;
      this.state = { config, env: new Map(parent.env), args: new Map(parent.args), cmdSet: false, baseKnown: parent.baseKnown, last: parent.last };
    } else {
      const known = stage.imageConfig;
      const env = new Map<string, string>();
      for (const e of known?.Env ?? []) env.set(envKey(e), envValue(e));
      const config: ImageConfig = { architecture: stage.platform.architecture, os: stage.platform.os, config: {} };
      if (stage.platform.variant) config.variant = stage.platform.variant;
      if (known && this.plan) {
        config.config = structuredClone(known);
        delete config.config.OnBuild;
      }
      if (!env.has('PATH')) {
        env.set('PATH', DEFAULT_PATH);
        if (this.plan) config.config.Env = [...(config.config.Env ?? []), `PATH=${DEFAULT_PATH}`];
      }
      this.state = { config, env, args: new Map(), cmdSet: false, baseKnown: base.kind !== 'image' || known !== undefined, last: -1 };
    }
    if (!this.plan) return;
    this.state.last = this.graph.add({
      stage: stage.index, op: { kind: 'from', base, platform: formatPlatform(stage.platform) }, range: stage.from.range, onbuild: false,
      parent: parent ? parent.last : null, parentKind: parent ? 'base' : undefined, inputs: [], config: this.state.config, history: null, args: {}, context: null,
    });
  }

  /** Variables the current step read that were unset. */
  private stepUnset: string[] = [];

  /** Set while running a base image's ONBUILD triggers, whose text is not in this Dockerfile: they are located at FROM. */
  at: Range | undefined;

  step(node: Instruction, onbuild: boolean): void {
    if (this.stepUnset.length > 0) this.stepUnset = [];
    const name = node.name;
    switch (name) {
      case undefined:
      case 'FROM':
        return;
      case 'ARG':
        return this.arg(node, onbuild);
      case 'ENV':
      case 'LABEL':
        return this.keyValues(node, onbuild);
      case 'MAINTAINER':
        if (!this.plan) return;
        if (node.value) this.state.config.author = node.value.value;
        return this.meta(node, 'MAINTAINER', onbuild, `MAINTAINER ${node.value?.value ?? ''}`, {});
      case 'USER': {
        if (!node.value) return;
        const user = this.expand(node.value);
        if (user === undefined || !this.plan) return;
        // Docker leaves an empty User out of the config.
        if (user.value === '') delete this.state.config.config.User;
        else this.state.config.config.User = user.value;
        return this.meta(node, 'USER', onbuild, `USER ${user.value}`, user.args);
      }
      case 'WORKDIR':
        return this.workdir(node, onbuild);
      case 'STOPSIGNAL': {
        if (!node.value) return;
        const signal = this.expand(node.value);
        if (signal === undefined) return;
        const checked = checkSignal(signal.value);
        if (!checked.ok) return this.report('IR013', checked.message, node.value.range);
        if (!this.plan) return;
        this.state.config.config.StopSignal = signal.value;
        return this.meta(node, 'STOPSIGNAL', onbuild, `STOPSIGNAL ${signal.value}`, signal.args);
      }
      case 'EXPOSE':
        return this.expose(node, onbuild);
      case 'VOLUME':
        return this.volume(node, onbuild);
      case 'SHELL':
        if (node.command?.form !== 'exec' || !this.plan) return;
        this.state.config.config.Shell = node.command.items.map((w) => w.value);
        return this.meta(node, 'SHELL', onbuild, `SHELL ${goList(this.state.config.config.Shell!)}`, {});
      case 'CMD':
      case 'ENTRYPOINT':
        if (!this.plan) return;
        return this.command(node, name, onbuild);
      case 'HEALTHCHECK':
        return this.healthcheck(node, onbuild);
      case 'ONBUILD': {
        const expression = node.args?.value.trim();
        if (!expression || !this.plan) return;
        const c = this.state.config.config;
        c.OnBuild = [...(c.OnBuild ?? []), expression];
        return this.meta(node, 'ONBUILD', onbuild, null, {});
      }
      case 'RUN':
        return this.run(node, onbuild);
      case 'COPY':
      case 'ADD':
        return this.copy(node, onbuild);
      default: {
        const never: never = name;
        return never;
      }
    }
  }

  private report(code: Parameters<typeof irDiagnostic>[0], message: string, range: Range): void {
    const d = irDiagnostic(code, this.at ? `ONBUILD trigger of the base image: ${message}` : message, this.at ?? range);
    const unset = [...new Set(this.stepUnset)];
    if (!this.state.baseKnown && unset.length > 0 && d.severity === 'error') {
      // The base image's ENV, which the plan does not know, may set them: BuildKit might not fail.
      d.severity = 'warning';
      d.message += ` (${unset.join(', ')} ${unset.length === 1 ? 'is' : 'are'} not set by this Dockerfile; the base image may set ${unset.length === 1 ? 'it' : 'them'})`;
    }
    this.diagnostics.push(d);
  }

  /** Expands one word against the stage's variables; reports failures. `args` are the ARGs it read. */
  private expand(word: Word): { value: string; args: Record<string, string> } | undefined {
    const result = expandWord(word.value, this.state.env, this.expandOptions);
    this.noteUnset(result.unset);
    if (!result.ok) {
      this.report('IR002', result.error.message, wordRange(word, result.error));
      return undefined;
    }
    return { value: result.value, args: this.plan ? this.argsRead(result.read) : NO_ARGS };
  }

  private expandText(text: string, range: Range, what: string): { value: string; args: Record<string, string> } | undefined {
    const result = expandWord(text, this.state.env, this.expandOptions);
    this.noteUnset(result.unset);
    if (!result.ok) {
      this.report('IR002', `${what}: ${result.error.message}`, range);
      return undefined;
    }
    return { value: result.value, args: this.plan ? this.argsRead(result.read) : NO_ARGS };
  }

  private noteUnset(names: readonly string[]): void {
    // Most words read no unset variable.
    if (names.length > 0) this.stepUnset.push(...names);
  }

  private argsRead(names: readonly string[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (const name of names) {
      if (this.state.args.get(name) === undefined) continue;
      const value = this.state.env.get(name);
      if (value !== undefined) out[name] = value;
    }
    return out;
  }

  /** Every ARG in scope with a value: a RUN sees them all in its environment. */
  private argsInScope(): Record<string, string> {
    return this.argsRead([...this.state.args.keys()]);
  }

  /** A step that changes only the config; `createdBy` is its history text. Full plans only. */
  private meta(node: Instruction, instruction: MetaInstruction, onbuild: boolean, createdBy: string | null, args: Record<string, string>): void {
    const config = this.state.config;
    const before = this.graph.vertices[this.state.last]?.config;
    const changes = configChanges(before ?? null, config);
    this.state.last = this.graph.add({
      stage: this.stage.index, op: { kind: 'meta', instruction, changes }, range: this.at ?? node.range, onbuild,
      parent: this.state.last, inputs: [], config, history: createdBy === null ? null : { created_by: createdBy, empty_layer: true }, args, context: null,
    });
  }

  private arg(node: ArgInstruction, onbuild: boolean): void {
    const { buildArgs } = this.options;
    const declared: string[] = [];
    for (const decl of node.declarations) {
      const name = decl.name.value;
      const given = buildArgs.get(name);
      let value: string | undefined;
      if (given !== undefined) {
        this.graph.usedArgs.add(name);
        value = given;
      } else if (decl.value) {
        const expanded = this.expand(decl.value);
        if (expanded === undefined) continue;
        value = expanded.value;
      } else {
        value = this.setup.globalArgs.get(name);
      }
      if (value !== undefined) this.state.env.set(name, value);
      this.state.args.set(name, value);
      if (this.plan) declared.push(value === undefined ? name : `${name}=${value}`);
    }
    if (!this.plan) return;
    // BuildKit records an ARG in the history (no layer). Its key reads no argument: a changed
    // build arg misses only the steps that read it, not every step after the ARG.
    this.meta(node, 'ARG', onbuild, `ARG ${declared.join(' ')}`, {});
  }

  private keyValues(node: KeyValueInstruction, onbuild: boolean): void {
    // Every pair expands against the variables from before this instruction.
    const pairs: [string, string][] = [];
    let args: Record<string, string> = {};
    for (const pair of node.pairs) {
      const key = this.expand(pair.key);
      const value = this.expand(pair.value);
      if (key === undefined || value === undefined) return;
      if (key.value === '') return this.report('IR014', `${node.name} names can not be blank (${pair.key.value} expands to nothing)`, pair.key.range);
      pairs.push([key.value, value.value]);
      if (this.plan) args = { ...args, ...key.args, ...value.args };
    }
    // Words expand against state.env; the config's Env is for the plan.
    if (node.name === 'ENV') for (const [key, value] of pairs) this.state.env.set(key, value);
    if (!this.plan) return;
    const c = this.state.config.config;
    for (const [key, value] of pairs) {
      if (node.name === 'ENV') c.Env = setEnv(c.Env ?? [], key, value);
      else c.Labels = sortedRecord({ ...(c.Labels ?? {}), [key]: value });
    }
    this.meta(node, node.name, onbuild, `${node.name} ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}`, args);
  }

  private workdir(node: SingleValueInstruction, onbuild: boolean): void {
    if (!node.value) return;
    const requested = this.expand(node.value);
    if (requested === undefined) return;
    if (requested.value === '') return this.report('IR014', `WORKDIR ${node.value.value} expands to nothing`, node.value.range);
    if (!this.plan) return;
    const c = this.state.config.config;
    const path = resolveWorkdir(c.WorkingDir, requested.value);
    c.WorkingDir = path;
    this.state.last = this.graph.add({
      stage: this.stage.index, op: { kind: 'workdir', path, user: c.User ?? '' }, range: this.at ?? node.range, onbuild, parent: this.state.last, inputs: [],
      config: this.state.config, history: { created_by: `WORKDIR ${path}`, empty_layer: path === '/' }, args: requested.args, context: null,
    });
  }

  private expose(node: ListInstruction, onbuild: boolean): void {
    const ports: string[] = [];
    let args: Record<string, string> = {};
    for (const item of node.items) {
      const result = expandWords(item.value, this.state.env, this.expandOptions);
      this.noteUnset(result.unset);
      if (!result.ok) return this.report('IR002', result.error.message, wordRange(item, result.error));
      if (this.plan) args = { ...args, ...this.argsRead(result.read) };
      for (const spec of result.value) {
        const parsed = parsePortSpec(spec);
        if (!parsed.ok) return this.report('IR011', parsed.message, item.range);
        if (parsed.value.hostPartDropped) {
          this.report('IR017', `EXPOSE ${spec}: an image cannot publish ports on the host; only the container port is kept (publish with docker run -p)`, item.range);
        }
        if (this.plan) ports.push(...parsed.value.ports);
      }
    }
    if (!this.plan) return;
    const c = this.state.config.config;
    const all = { ...(c.ExposedPorts ?? {}) };
    for (const p of ports) all[p] = {};
    c.ExposedPorts = sortedRecord(all);
    this.meta(node, 'EXPOSE', onbuild, `EXPOSE ${ports.join(' ')}`, args);
  }

  private volume(node: ListInstruction, onbuild: boolean): void {
    const paths: string[] = [];
    let args: Record<string, string> = {};
    for (const item of node.items) {
      const v = this.expand(item);
      if (v === undefined) return;
      if (v.value === '') return this.report('IR014', 'VOLUME specified can not be an empty string', item.range);
      paths.push(v.value);
      if (this.plan) args = { ...args, ...v.args };
    }
    if (!this.plan) return;
    const c = this.state.config.config;
    const all = { ...(c.Volumes ?? {}) };
    for (const p of paths) all[p] = {};
    c.Volumes = sortedRecord(all);
    this.meta(node, 'VOLUME', onbuild, `VOLUME ${goList(paths)}`, args);
  }

  private command(node: CommandInstruction, name: 'CMD' | 'ENTRYPOINT', onbuild: boolean): void {
    const c = this.state.config.config;
    const cmd = node.command;
    const argv = cmd === undefined ? [] : cmd.form === 'exec' ? cmd.items.map((w) => w.value) : withShell(c, cmd.text.value);
    if (name === 'CMD') {
      c.Cmd = argv;
      c.ArgsEscaped = true;
      this.state.cmdSet = true;
    } else {
      c.Entrypoint = argv;
      // A new ENTRYPOINT drops the base's CMD, unless this stage set one before it.
      if (!this.state.cmdSet) delete c.Cmd;
    }
    this.meta(node, name, onbuild, `${name} ${goQuotedList(argv)}`, {});
  }

  private healthcheck(node: HealthcheckInstruction, onbuild: boolean): void {
    const type = node.type?.value.toUpperCase();
    const health: HealthConfig = { Test: ['NONE'] };
    if (type === 'CMD' && node.command) {
      health.Test = node.command.form === 'exec' ? ['CMD', ...node.command.items.map((w) => w.value)] : ['CMD-SHELL', node.command.text.value];
      const fields = [['interval', 'Interval'], ['timeout', 'Timeout'], ['start-period', 'StartPeriod'], ['start-interval', 'StartInterval']] as const;
      for (const [flagName, field] of fields) {
        const flag = node.flags.find((f) => f.name === flagName);
        if (flag?.value === undefined) continue;
        const d = parseHealthDuration(flagName, flag.value);
        if (!d.ok) return this.report('IR012', d.message, flag.valueRange ?? flag.range);
        if (d.value !== 0) health[field] = d.value;
      }
      const retries = node.flags.find((f) => f.name === 'retries');
      if (retries?.value !== undefined && retries.value !== '') {
        const n = /^[+-]?\d+$/.test(retries.value) ? Number(retries.value) : NaN;
        if (!Number.isSafeInteger(n)) return this.report('IR012', `--retries must be a whole number, not "${retries.value}"`, retries.valueRange ?? retries.range);
        if (n < 0) return this.report('IR012', `--retries cannot be negative: ${retries.value}`, retries.valueRange ?? retries.range);
        if (n !== 0) health.Retries = n;
      }
    } else if (type !== 'NONE') {
      return;
    }
    if (!this.plan) return;
    this.state.config.config.Healthcheck = health;
    this.meta(node, 'HEALTHCHECK', onbuild, `HEALTHCHECK ${canonicalJSON(health)}`, {});
  }

  private run(node: CommandInstruction, onbuild: boolean): void {
    const cmd = node.command;
    if (!cmd) return;
    const c = this.state.config.config;
    const mounts: RunMount[] = [];
    const inputs: { id: number; kind: Edge['kind'] }[] = [];
    const contextPaths: string[] = [];
    let keyArgs = this.plan ? this.argsInScope() : {};
    let network = 'default';
    let security = 'sandbox';
    for (const flag of node.flags) {
      if (flag.value === undefined) continue;
      const range = flag.valueRange ?? flag.range;
      if (flag.name === 'network') {
        if (!['default', 'none', 'host'].includes(flag.value)) return this.report('IR016', `--network=${flag.value}: use default, none or host`, range);
        network = flag.value;
      } else if (flag.name === 'security') {
        if (!['sandbox', 'insecure'].includes(flag.value)) return this.report('IR016', `--security=${flag.value}: use sandbox or insecure`, range);
        security = flag.value;
      } else if (flag.name === 'mount') {
        let failed = false;
        const parsed = parseMount(flag.value, (v) => {
          const e = this.expandText(v, range, '--mount');
          if (e === undefined) {
            failed = true;
            return undefined;
          }
          if (this.plan) keyArgs = { ...keyArgs, ...e.args };
          return e.value;
        }, c.WorkingDir ?? '/');
        if (failed) return;
        if (!parsed.ok) return this.report('IR015', `--mount: ${parsed.message}`, range);
        let from: FileSource | null = null;
        if (parsed.from !== undefined) {
          const source = this.fileSource(flag, range, 'mount');
          if (source === undefined) return;
          from = source.from;
          if (source.input !== undefined) inputs.push({ id: source.input, kind: 'mount' });
        } else if (parsed.mount.type === 'bind') {
          from = { kind: 'context' };
          contextPaths.push(parsed.mount.source ?? '/');
        }
        if (this.plan) mounts.push({ ...parsed.mount, options: sortedRecord(parsed.mount.options), from });
      }
    }

    // Also in a diagnostics-only plan, whose args still say which build args were used.
    const proxyEnv: Record<string, string> = {};
    for (const [name, value] of this.options.proxyArgs) {
      proxyEnv[name] = value;
      this.graph.usedArgs.add(name);
    }
    if (!this.plan) return;

    let args: string[];
    const files: RunFile[] = [];
    if (cmd.form === 'exec') args = cmd.items.map((w) => w.value);
    else if (node.heredocs.length === 0) args = withShell(c, cmd.text.value);
    else {
      const only = node.heredocs[0]!;
      if (node.heredocs.length === 1 && /^\s*\d?<<-?\s*(["']?)[^\s"']+\1\s*$/.test(cmd.text.value)) {
        const data = only.chomp ? stripLeadingTabs(only.content) : only.content;
        if (data.startsWith('#!')) {
          // A script with a shebang is mounted as a file and run.
          const path = `/dev/pipes/${only.name}`;
          files.push({ name: only.name, content: data, mountPath: path });
          args = withShell(c, path);
        } else {
          files.push({ name: only.name, content: data, mountPath: null });
          args = withShell(c, data);
        }
      } else {
        let text = cmd.text.value;
        for (const h of node.heredocs) {
          text += `\n${h.content}${h.name}`;
          files.push({ name: h.name, content: h.content, mountPath: null });
        }
        args = withShell(c, text);
      }
    }
    const env = [...this.state.env].map(([k, v]) => `${k}=${v}`);
    const argList = Object.entries(this.argsInScope()).map(([k, v]) => `${k}=${v}`);
    const history: HistoryEntry = { created_by: `RUN ${argList.length > 0 ? `|${argList.length} ${argList.join(' ')} ` : ''}${args.join(' ')} # buildkit`, empty_layer: false };
    this.state.last = this.graph.add({
      stage: this.stage.index,
      op: { kind: 'run', args, form: cmd.form, env, user: c.User ?? '', workdir: c.WorkingDir ?? '/', mounts, network, security, files, proxyEnv },
      range: this.at ?? node.range, onbuild, parent: this.state.last, inputs, config: this.state.config,
      history, args: keyArgs,
      context: contextPaths.length > 0 ? { paths: contextPaths, exclude: [] } : null,
    });
  }

  /** Resolves a COPY --from or mount from= flag to files and the vertex that produces them. */
  private fileSource(flag: Flag, range: Range, kind: 'copy' | 'mount'): { from: FileSource; input: number | undefined } | undefined {
    const target = this.setup.references[this.stage.index]!.find((r) => r.flag === flag)?.target;
    if (target === undefined) return undefined; // reported while setting up the stages
    if (target.kind === 'image') {
      const id = this.graph.imageVertex(target.ref, target.normalized, this.stage.platform);
      return { from: { kind: 'image', ref: target.ref, vertex: id }, input: id };
    }
    const result = target.stage < this.stage.index ? this.graph.stageResult(target.stage) : undefined;
    if (!result) {
      if (!this.graph.isCycleReference(range)) {
        const other = this.setup.stages[target.stage]!;
        const what = kind === 'copy' ? 'copy' : 'mount';
        this.report('IR009', `cannot ${what} from stage "${other.name ?? target.stage}", it needs to be defined before the current stage "${this.stage.name ?? this.stage.index}"`, range);
      }
      return undefined;
    }
    return { from: { kind: 'stage', stage: target.stage, vertex: result.last }, input: result.last };
  }

  private copy(node: CopyInstruction, onbuild: boolean): void {
    if (!node.destination) return;
    let args: Record<string, string> = {};
    const expandFlag = (name: string): string | null | undefined => {
      const flag = node.flags.find((f) => f.name === name);
      if (flag?.value === undefined) return null;
      const e = this.expandText(flag.value, flag.valueRange ?? flag.range, `--${name}`);
      if (e === undefined) return undefined;
      if (this.plan) args = { ...args, ...e.args };
      return e.value;
    };
    const boolFlag = (name: string): boolean | null => {
      const flag = node.flags.find((f) => f.name === name);
      if (!flag) return null;
      return flag.value === undefined || flag.value === 'true';
    };

    const chown = expandFlag('chown');
    const chmod = expandFlag('chmod');
    const checksum = node.name === 'ADD' ? expandFlag('checksum') : null;
    if (chown === undefined || chmod === undefined || checksum === undefined) return;
    if (chmod !== null && chmod !== '' && !/^[0-7]{1,4}$/.test(chmod) && !/^([ugoa]*[-+=][rwxXst]*,?)+$/.test(chmod)) {
      const flag = node.flags.find((f) => f.name === 'chmod')!;
      return this.report('IR016', `--chmod=${chmod} is not a file mode (octal like 755, or symbolic like u+x)`, flag.valueRange ?? flag.range);
    }
    const exclude: string[] = [];
    for (const flag of node.flags) {
      if (flag.name !== 'exclude' || flag.value === undefined) continue;
      const e = this.expandText(flag.value, flag.valueRange ?? flag.range, '--exclude');
      if (e === undefined) return;
      if (this.plan) args = { ...args, ...e.args };
      exclude.push(e.value);
    }

    let from: FileSource = { kind: 'context' };
    const inputs: { id: number; kind: Edge['kind'] }[] = [];
    const fromFlag = node.name === 'COPY' ? node.flags.find((f) => f.name === 'from' && f.value) : undefined;
    if (fromFlag) {
      const source = this.fileSource(fromFlag, fromFlag.valueRange ?? fromFlag.range, 'copy');
      if (source === undefined) return;
      from = source.from;
      if (source.input !== undefined) inputs.push({ id: source.input, kind: 'copy' });
    }

    const sources: CopySource[] = [];
    let heredoc = 0;
    for (const word of node.sources) {
      if (node.heredocs[heredoc] && node.form === 'shell' && /^\d?<<-?/.test(word.value)) {
        const h = node.heredocs[heredoc++]!;
        let content = h.chomp ? stripLeadingTabs(h.content) : h.content;
        if (h.expand) {
          const e = expandWord(content, this.state.env, { escapeChar: this.expandOptions.escapeChar, rawQuotes: true });
          this.noteUnset(e.unset);
          if (!e.ok) return this.report('IR002', `heredoc ${h.name}: ${e.error.message}`, h.contentRange);
          content = e.value;
          if (this.plan) args = { ...args, ...this.argsRead(e.read) };
        }
        sources.push({ path: h.name, kind: 'heredoc', content });
        continue;
      }
      const e = this.expand(word);
      if (e === undefined) return;
      if (this.plan) args = { ...args, ...e.args };
      if (e.value === '') return this.report('IR014', `source ${word.value} expands to nothing`, word.range);
      sources.push({ path: e.value, kind: node.name === 'ADD' ? addSourceKind(e.value) : 'path' });
    }
    const dest = this.expand(node.destination);
    if (dest === undefined || !this.plan) return;
    args = { ...args, ...dest.args };
    const c = this.state.config.config;
    const destination = resolveDestination(c.WorkingDir, dest.value);

    const contextPaths = from.kind === 'context' ? sources.filter((s) => s.kind === 'path').map((s) => s.path) : [];
    const kind = node.name === 'COPY' ? 'copy' : 'add';
    const expanded: Record<string, string | null> = { chown, chmod, checksum };
    const flagsText = node.flags.map((f) => (expanded[f.name] != null ? `--${f.name}=${expanded[f.name]}` : f.text)).join(' ');
    const history: HistoryEntry = {
      created_by: `${node.name} ${flagsText ? `${flagsText} ` : ''}${sources.map((s) => s.path).join(' ')} ${destination} # buildkit`, empty_layer: false,
    };
    this.state.last = this.graph.add({
      stage: this.stage.index,
      op: {
        kind, sources, destination, from, chown, chmod,
        link: boolFlag('link') ?? false, parents: boolFlag('parents') ?? false, exclude,
        checksum, keepGitDir: boolFlag('keep-git-dir') ?? false, unpack: node.name === 'ADD' ? boolFlag('unpack') : null,
      },
      range: this.at ?? node.range, onbuild, parent: this.state.last, inputs, config: this.state.config,
      history, args,
      context: contextPaths.length > 0 ? { paths: contextPaths, exclude } : null,
    });
  }
}

function addSourceKind(src: string): CopySource['kind'] {
  if (/^git@|^git:\/\//.test(src) || /^https?:\/\/[^#]*\.git(#.*)?$/.test(src)) return 'git';
  if (/^https?:\/\//.test(src)) return 'url';
  return 'path';
}

/** A COPY/ADD destination made absolute against WORKDIR; a trailing slash means "into this directory" and stays. */
export function resolveDestination(workdir: string | undefined, dest: string): string {
  const intoDir = dest === '' || dest === '.' || dest.endsWith('/') || dest.endsWith('/.');
  const path = cleanPath(dest.startsWith('/') ? dest : `${workdir ?? '/'}/${dest}`);
  return intoDir && path !== '/' ? `${path}/` : path;
}

function stripLeadingTabs(text: string): string {
  return text.replace(/^\t+/gm, '');
}

/** Go's %v of a string slice: `[a b]`. */
function goList(items: readonly string[]): string {
  return `[${items.join(' ')}]`;
}

/** Go's %q of a string slice: `["a" "b"]`. */
function goQuotedList(items: readonly string[]): string {
  return `[${items.map((s) => JSON.stringify(s)).join(' ')}]`;
}

/**
 * The config fields a step changed, with their new values (null for a field it removed);
 * `author` stands for the image's author (MAINTAINER).
 */
function configChanges(before: ImageConfig | null, after: ImageConfig): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  const a = (before?.config ?? {}) as Record<string, unknown>;
  const b = after.config as Record<string, unknown>;
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (canonicalJSON(a[key]) !== canonicalJSON(b[key])) changes[key] = b[key] ?? null;
  }
  if ((before?.author ?? null) !== (after.author ?? null)) changes.author = after.author ?? null;
  return changes;
}

/** Dispatches one stage into the graph; its base stage and the stages it copies from must come first. Returns its diagnostics. */
export function dispatchStage(graph: GraphBuilder, setup: StageSetup, options: DispatchOptions, stage: StageHeader): Diagnostic[] {
  const d = new StageDispatch(graph, setup, options, stage);
  d.start();
  forEachStep(stage, setup.stages, (node, onbuild, fromImage) => {
    d.at = fromImage ? stage.from.range : undefined;
    d.step(node, onbuild);
  });
  d.at = undefined;
  graph.setStageResult(stage.index, d.state);
  return d.diagnostics;
}
