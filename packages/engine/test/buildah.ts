// What the differential tests share: buildah in a storage of its own (vfs, runc) with the busybox
// base the tests use, and the comparison of two images by config and file tree. Needs root,
// buildah, runc, umoci and busybox-static.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { planDockerfile } from '@dfc/ir';
import { makeBusyboxImage, saveArchive, type Store } from '@dfc/store';

/** What the runtime leaves behind as empty mount points in buildah's images (not in Docker's). */
export const RUNTIME_STUBS = new Set(['dev', 'proc', 'sys', 'run', 'etc/hosts', 'etc/hostname', 'etc/resolv.conf']);

export type Config = Record<string, unknown>;

export const CONFIG_FIELDS = ['Env', 'WorkingDir', 'User', 'Entrypoint', 'Cmd', 'Labels', 'ExposedPorts', 'Volumes', 'StopSignal', 'Healthcheck', 'Shell', 'OnBuild'];

export interface Node {
  type: 'file' | 'dir' | 'symlink' | 'other';
  mode: number;
  uid: number;
  gid: number;
  target?: string;
  sha256?: string;
  /** Set on a file with more than one name: the first name (in sorted order) of its inode. */
  linkedTo?: string;
}

/** Every path under `root` (relative, no leading `/`) with what the comparison looks at; no mtimes. */
export function treeOf(root: string): Map<string, Node> {
  const out = new Map<string, Node>();
  const inodes = new Map<number, string>();
  const walk = (rel: string): void => {
    for (const name of fs.readdirSync(path.join(root, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const abs = path.join(root, r);
      const st = fs.lstatSync(abs);
      const node: Node = { type: 'other', mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
      if (st.isDirectory()) node.type = 'dir';
      else if (st.isSymbolicLink()) {
        node.type = 'symlink';
        node.target = fs.readlinkSync(abs);
        node.mode = 0; // A link's own mode means nothing on Linux.
      } else if (st.isFile()) {
        node.type = 'file';
        node.sha256 = createHash('sha256').update(fs.readFileSync(abs)).digest('hex');
        if (st.nlink > 1) {
          const first = inodes.get(st.ino);
          if (first === undefined) inodes.set(st.ino, r);
          else node.linkedTo = first;
        }
      }
      out.set(r, node);
      if (node.type === 'dir') walk(r);
    }
  };
  walk('');
  if (!out.has('bin/sh')) throw new Error(`${root}: no /bin/sh; is this a busybox image's tree?`);
  return out;
}

function isEmptyStub(root: string, rel: string, node: Node): boolean {
  if (!RUNTIME_STUBS.has(rel)) return false;
  if (node.type === 'dir') return fs.readdirSync(path.join(root, rel)).length === 0;
  return node.type === 'file' && fs.statSync(path.join(root, rel)).size === 0;
}

/**
 * Every WORKDIR's folder and the folders above it. Docker: "If the WORKDIR doesn't exist, it
 * will be created even if it's not used in any subsequent Dockerfile instruction"; buildah 1.28
 * creates it only when a later RUN needs it, so a folder missing from buildah's image there is
 * not a difference (one it has with another owner or mode still is).
 */
export function workdirsOf(text: string, buildArgs: Record<string, string> = {}): Set<string> {
  const plan = planDockerfile(text, { buildArgs });
  const out = new Set<string>();
  for (const v of plan.vertices) {
    if (v.op.kind !== 'workdir') continue;
    const parts = v.op.path.split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i++) out.add(parts.slice(0, i).join('/'));
  }
  return out;
}

/** JSON with sorted keys, so key order is not a difference. */
function canonical(value: unknown): string | undefined {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as object).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}

/** The config fields that differ, one line each (empty: the same). */
export function configDiff(ours: Config, theirs: Config): string[] {
  const lines: string[] = [];
  for (const field of CONFIG_FIELDS) {
    const a = canonical(ours[field]);
    const b = canonical(theirs[field]);
    if (a !== b) lines.push(`config ${field}: dfc ${a ?? 'unset'}, buildah ${b ?? 'unset'}`);
  }
  return lines;
}

/** The differences between two trees, one line each (empty: the same). */
export function treeDiff(dfcRoot: string, buildahRoot: string, ignore: Set<string>, workdirs: Set<string>): string[] {
  const ours = treeOf(dfcRoot);
  const theirs = treeOf(buildahRoot);
  const lines: string[] = [];
  const show = (n: Node): string =>
    `${n.type} ${n.mode.toString(8)} ${n.uid}:${n.gid}${n.target !== undefined ? ` -> ${n.target}` : ''}${n.sha256 ? ` ${n.sha256.slice(0, 12)}` : ''}${n.linkedTo ? ` = /${n.linkedTo}` : ''}`;
  for (const rel of [...new Set([...ours.keys(), ...theirs.keys()])].sort()) {
    if (ignore.has(rel)) continue;
    const a = ours.get(rel);
    const b = theirs.get(rel);
    if (!a && b && isEmptyStub(buildahRoot, rel, b)) continue;
    if (a && !b && a.type === 'dir' && workdirs.has(rel)) continue;
    if (a && b && show(a) === show(b)) continue;
    let line = `/${rel}: dfc ${a ? show(a) : 'missing'}, buildah ${b ? show(b) : 'missing'}`;
    if (a?.sha256 && b?.sha256 && a.sha256 !== b.sha256) line += ` (dfc ${smallText(dfcRoot, rel)}, buildah ${smallText(buildahRoot, rel)})`;
    lines.push(line);
  }
  return lines;
}

/**
 * History entries after the first `skip`, as `INSTRUCTION:layer|empty`: buildah writes
 * `/bin/sh -c #(nop) ENV …` where BuildKit writes `ENV …`, and a RUN is the rest. Left out:
 * ONBUILD (BuildKit records none, buildah 1.28 does) and WORKDIR (BuildKit makes a layer,
 * buildah 1.28 none).
 */
export function historyShape(history: { created_by?: string; empty_layer?: boolean }[], skip: number): string {
  return history
    .slice(skip)
    .map((h) => {
      const text = h.created_by ?? '';
      const nop = /#\(nop\)\s+(\w+)/.exec(text);
      const word = nop ? nop[1]! : (/^[A-Z]+(?= )/.exec(text)?.[0] ?? 'RUN');
      return `${word}:${h.empty_layer ? 'empty' : 'layer'}`;
    })
    .filter((h) => !/^(ONBUILD|WORKDIR):/.test(h))
    .join(' ');
}

/** A short file's text, to show what differs. */
function smallText(root: string, rel: string): string {
  const text = fs.readFileSync(path.join(root, rel));
  return text.length <= 200 ? JSON.stringify(text.toString()) : `${text.length} bytes`;
}

/** The fields both builders must agree on, with "unset" spelled one way. */
export function comparableConfig(config: Config, fromBuildah: boolean): Config {
  const out: Config = {};
  for (const field of CONFIG_FIELDS) {
    let value = config[field];
    if (field === 'Labels' && value && fromBuildah) {
      // buildah stamps its own version as a label; Docker adds no label of its own.
      const { ['io.buildah.version']: _version, ...rest } = value as Record<string, string>;
      value = rest;
    }
    if (field === 'ExposedPorts' && value && fromBuildah) value = expandPortRanges(value as Record<string, unknown>);
    // ENV of a variable the image has: BuildKit replaces it where it is (dispatchers' addEnv),
    // buildah moves it to the end. The order of the environment means nothing to a process.
    if (field === 'Env' && Array.isArray(value)) value = [...(value as string[])].sort();
    if (value === null || value === undefined || value === '') continue;
    // An empty list and no list are the same to a runtime (buildah writes `Entrypoint: []`).
    if (Array.isArray(value) && value.length === 0) continue;
    if (typeof value === 'object' && !Array.isArray(value) && Object.keys(value as object).length === 0) continue;
    out[field] = value;
  }
  return out;
}

/**
 * buildah keeps `EXPOSE 8000-8001` as one key "8000-8001/tcp"; Docker expands a range into
 * one port each (nat.ParsePortSpecs, as the Dockerfile reference's EXPOSE does).
 */
function expandPortRanges(ports: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(ports)) {
    const m = /^(\d+)-(\d+)\/(\w+)$/.exec(key);
    if (!m) out[key] = {};
    else for (let p = Number(m[1]); p <= Number(m[2]); p++) out[`${p}/${m[3]}`] = {};
  }
  return out;
}

export function run(file: string, args: string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${file} ${args.join(' ')} exited with ${code}:\n${err}${out}`))));
    child.stdin.end();
  });
}

export function requireTool(tool: string, pkg: string): void {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
    throw new Error(`${tool} is not installed; install it with: apt-get install -y ${pkg}`);
  }
}

export interface BudOptions {
  buildArgs?: Record<string, string>;
  target?: string;
  /** `--layers=false`: one commit at the end, several times faster, but the history says nothing of which steps made layers. */
  squashSteps?: boolean;
}

/** An image as buildah wrote it: its Docker-format config (with history) and its root file system. */
export interface BuildahImage {
  config: Config;
  history: { created_by?: string; empty_layer?: boolean }[];
}

/** buildah with its own storage under `dir` (vfs), and busybox:latest from `store` in it. */
export class Buildah {
  private readonly args: string[];
  private readonly env: NodeJS.ProcessEnv;

  private constructor(dir: string) {
    this.args = ['--root', path.join(dir, 'root'), '--runroot', path.join(dir, 'run'), '--storage-driver', 'vfs'];
    // TMPDIR: buildah keeps RUN --mount=type=cache folders there (default /var/tmp), not in --root.
    this.env = { ...process.env, TMPDIR: path.join(dir, 'tmp') };
  }

  /** Makes busybox:latest in `store` too, and copies it into buildah's storage under the names the Dockerfiles use. */
  static async start(dir: string, store: Store): Promise<Buildah> {
    requireTool('buildah', 'buildah');
    requireTool('runc', 'runc');
    requireTool('umoci', 'umoci');
    fs.mkdirSync(path.join(dir, 'tmp'), { recursive: true });
    const buildah = new Buildah(dir);
    await makeBusyboxImage(store, 'busybox:latest');
    const archive = path.join(dir, 'busybox.tar');
    await saveArchive(store, ['busybox:latest'], fs.createWriteStream(archive), 'oci');
    const id = (await buildah.cli('pull', '--quiet', `oci-archive:${archive}`)).trim();
    await buildah.cli('tag', id, 'busybox:latest', 'docker.io/library/busybox:latest');
    return buildah;
  }

  cli(...args: string[]): Promise<string> {
    return run('buildah', [...this.args, ...args], { env: this.env });
  }

  /** `buildah bud --layers` in Docker's format (the OCI one has no Healthcheck, Shell or OnBuild, and buildah drops them). */
  async bud(context: string, dockerfile: string, tag: string, options: BudOptions = {}): Promise<string> {
    const extra: string[] = [];
    for (const [k, v] of Object.entries(options.buildArgs ?? {})) extra.push('--build-arg', `${k}=${v}`);
    if (options.target) extra.push('--target', options.target);
    await this.cli('bud', options.squashSteps ? '--layers=false' : '--layers', '--runtime', 'runc', '--pull-never', '--format', 'docker', '--quiet', ...extra, '-f', dockerfile, '-t', tag, context);
    return tag;
  }

  async inspect(tag: string): Promise<BuildahImage> {
    const inspected = JSON.parse(await this.cli('inspect', '--type', 'image', tag)) as { Docker: { config: Config; history?: BuildahImage['history'] } };
    return { config: inspected.Docker.config, history: inspected.Docker.history ?? [] };
  }

  /**
   * The image's root file system unpacked under `work` (returned: the rootfs folder), through
   * buildah's own export and umoci, not `buildah from`: that would run ONBUILD.
   */
  async rootfs(tag: string, work: string): Promise<string> {
    const layout = path.join(work, 'oci');
    fs.mkdirSync(work, { recursive: true });
    await this.cli('push', '--quiet', tag, `oci:${layout}:image`);
    const bundle = path.join(work, 'bundle');
    await run('umoci', ['unpack', '--image', `${layout}:image`, bundle]);
    return path.join(bundle, 'rootfs');
  }

  async removeAll(): Promise<void> {
    await this.cli('rm', '--all').catch(() => undefined);
    await this.cli('rmi', '--all', '--force').catch(() => undefined);
  }
}

/** Runs `jobs` at most `limit` at a time, each started when asked for or when a slot frees up. */
export class JobQueue<T> {
  private readonly started = new Map<string, Promise<T>>();
  private readonly waiting: string[];
  private stopped = false;

  constructor(names: string[], private readonly job: (name: string) => Promise<T>, limit: number) {
    this.waiting = [...names];
    for (let i = 0; i < limit; i++) this.next();
  }

  private next(): void {
    if (this.stopped) return;
    const name = this.waiting.shift();
    if (name !== undefined) this.start(name);
  }

  private start(name: string): Promise<T> {
    const p = this.job(name);
    this.started.set(name, p);
    void p.catch(() => undefined).finally(() => this.next());
    return p;
  }

  /** The job's result; a job not started yet waits for its turn. */
  result(name: string): Promise<T> {
    const p = this.started.get(name);
    if (p) return p;
    return new Promise((resolve, reject) => {
      const poll = setInterval(() => {
        const started = this.started.get(name);
        if (!started) return;
        clearInterval(poll);
        started.then(resolve, reject);
      }, 100);
    });
  }

  /** Starts no more jobs and waits for the running ones. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.waiting.length = 0;
    await Promise.allSettled([...this.started.values()]);
  }
}
