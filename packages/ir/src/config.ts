// The image config a step leaves behind, in the field names of the OCI/Docker image config
// (the store writes it as is), and the value parsers for the instructions that set it.

/** Docker's HEALTHCHECK; durations in nanoseconds, as Docker stores them. */
export interface HealthConfig {
  Test: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/** The `config` member of an image config. Field-compatible with @dfc/store's ContainerConfig. */
export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  Volumes?: Record<string, Record<string, never>>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  ArgsEscaped?: boolean;
  Healthcheck?: HealthConfig;
  OnBuild?: string[];
  Shell?: string[];
}

/** An image config without rootfs and history (the engine adds those). Field-compatible with @dfc/store's ImageConfig. */
export interface ImageConfig {
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  config: ContainerConfig;
}

/** The config of a base image, when the caller knows it (the engine does once it pulled the image). */
export type BaseImageConfigs = (normalizedRef: string, platform: { os: string; architecture: string; variant?: string }) => ContainerConfig | undefined;

/** Docker's PATH for Linux containers when the base image sets none. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export const DEFAULT_SHELL: readonly string[] = ['/bin/sh', '-c'];

const FIELD_ORDER: readonly (keyof ContainerConfig)[] = [
  'User', 'ExposedPorts', 'Env', 'Entrypoint', 'Cmd', 'Volumes', 'WorkingDir', 'Labels', 'StopSignal', 'ArgsEscaped', 'Healthcheck', 'OnBuild', 'Shell',
];

/** A deep copy, with the config's fields in one fixed order (the order of the OCI/Docker config). */
export function cloneConfig(c: ImageConfig): ImageConfig {
  const copy = structuredClone(c);
  const fields: ContainerConfig = {};
  for (const key of FIELD_ORDER) if (copy.config[key] !== undefined) (fields as Record<string, unknown>)[key] = copy.config[key];
  const out = {} as ImageConfig;
  if (copy.author !== undefined) out.author = copy.author;
  out.architecture = copy.architecture;
  out.os = copy.os;
  if (copy.variant !== undefined) out.variant = copy.variant;
  out.config = fields;
  return out;
}

/** Sets `key=value` in an Env list, in place of an earlier value of the same key. */
export function setEnv(env: string[], key: string, value: string): string[] {
  const entry = `${key}=${value}`;
  const i = env.findIndex((e) => envKey(e) === key);
  if (i >= 0) return env.map((e, j) => (j === i ? entry : e));
  return [...env, entry];
}

export function envKey(entry: string): string {
  const eq = entry.indexOf('=');
  return eq < 0 ? entry : entry.slice(0, eq);
}

export function envValue(entry: string): string {
  const eq = entry.indexOf('=');
  return eq < 0 ? '' : entry.slice(eq + 1);
}

/** The shell-form command line wrapped by the current SHELL. */
export function withShell(config: ContainerConfig, text: string): string[] {
  return [...(config.Shell && config.Shell.length > 0 ? config.Shell : DEFAULT_SHELL), text];
}

/** A WORKDIR resolved against the current one: relative paths join, the result is cleaned. */
export function resolveWorkdir(current: string | undefined, requested: string): string {
  return cleanPath(requested.startsWith('/') ? requested : `/${current ?? ''}/${requested}`);
}

/** A path with an empty, `.` or `..` segment, or a trailing slash: one cleanPath changes. */
const UNCLEAN = /\/\/|\/\.\.?(?:\/|$)|.\/$/;

/** Go's path.Clean for absolute paths. */
export function cleanPath(p: string): string {
  if (p.startsWith('/') && !UNCLEAN.test(p)) return p;
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return '/' + out.join('/');
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * EXPOSE specs as Docker's nat.ParsePortSpecs reads them: `80`, `80/tcp`, `53/udp`,
 * `8000-8010/tcp` (every port of a range), `[ip:][hostPort:]containerPort[/proto]`.
 * Returns the keys of ExposedPorts, e.g. `80/tcp`, and whether a host part was dropped.
 */
export function parsePortSpec(spec: string): Parsed<{ ports: string[]; hostPartDropped: boolean }> {
  let rest = spec;
  let proto = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    proto = rest.slice(slash + 1).toLowerCase();
    rest = rest.slice(0, slash);
    if (proto !== 'tcp' && proto !== 'udp' && proto !== 'sctp') return { ok: false, message: `invalid protocol "${spec.slice(slash + 1)}" in "${spec}" (use tcp, udp or sctp)` };
  }
  const colon = rest.lastIndexOf(':');
  const hostPartDropped = colon >= 0;
  const container = colon >= 0 ? rest.slice(colon + 1) : rest;
  if (container === '') return { ok: false, message: `no port number in "${spec}"` };
  const range = /^(\d+)(?:-(\d+))?$/.exec(container);
  if (!range) return { ok: false, message: `invalid port "${container}" in "${spec}" (a number or a range like 8000-8010)` };
  const start = Number(range[1]);
  const end = range[2] === undefined ? start : Number(range[2]);
  if (start > 65535 || end > 65535) return { ok: false, message: `port out of range in "${spec}" (0-65535)` };
  if (end < start) return { ok: false, message: `invalid range "${container}" in "${spec}": the end is below the start` };
  const ports: string[] = [];
  for (let p = start; p <= end; p++) ports.push(`${p}/${proto}`);
  return { ok: true, value: { ports, hostPartDropped } };
}

const UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration, in nanoseconds. */
export function parseGoDuration(text: string): Parsed<number> {
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return { ok: true, value: 0 };
  if (s === '') return { ok: false, message: `invalid duration "${text}"` };
  const part = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/;
  let total = 0;
  while (s !== '') {
    const m = part.exec(s);
    if (!m) {
      return { ok: false, message: /^(\d+(?:\.\d*)?|\.\d+)$/.test(s) ? `missing unit in duration "${text}" (e.g. 30s, 1m30s)` : `invalid duration "${text}" (e.g. 30s, 1m30s)` };
    }
    total += Number(m[1]) * UNITS[m[2]!]!;
    s = s.slice(m[0].length);
  }
  return { ok: true, value: sign * Math.round(total) };
}

/** A HEALTHCHECK duration flag: 0, or at least 1ms. */
export function parseHealthDuration(flag: string, text: string): Parsed<number> {
  if (text === '') return { ok: true, value: 0 };
  const d = parseGoDuration(text);
  if (!d.ok) return d;
  if (d.value < 0) return { ok: false, message: `--${flag} cannot be negative: ${text}` };
  if (d.value !== 0 && d.value < 1e6) return { ok: false, message: `--${flag} cannot be less than 1ms: ${text}` };
  return d;
}

const SIGNALS = new Set([
  'ABRT', 'ALRM', 'BUS', 'CHLD', 'CLD', 'CONT', 'FPE', 'HUP', 'ILL', 'INT', 'IO', 'IOT', 'KILL', 'PIPE', 'POLL', 'PROF', 'PWR', 'QUIT',
  'SEGV', 'STKFLT', 'STOP', 'SYS', 'TERM', 'TRAP', 'TSTP', 'TTIN', 'TTOU', 'URG', 'USR1', 'USR2', 'VTALRM', 'WINCH', 'XCPU', 'XFSZ',
  'RTMIN', 'RTMAX',
  ...Array.from({ length: 15 }, (_, i) => `RTMIN+${i + 1}`),
  ...Array.from({ length: 14 }, (_, i) => `RTMAX-${i + 1}`),
]);

/** A STOPSIGNAL as moby's signal.ParseSignal takes it: a number, or a name with or without SIG. */
export function checkSignal(text: string): Parsed<string> {
  if (/^-?\d+$/.test(text)) {
    const n = Number(text);
    return n >= 1 && n <= 64 ? { ok: true, value: text } : { ok: false, message: `invalid signal: ${text} (a number from 1 to 64, or a name like SIGTERM)` };
  }
  const name = text.toUpperCase().replace(/^SIG/, '');
  return SIGNALS.has(name) ? { ok: true, value: text } : { ok: false, message: `invalid signal: ${text} (e.g. SIGTERM, SIGINT, 15)` };
}
