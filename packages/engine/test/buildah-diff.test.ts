// Differential tests: every fixture in fixtures/build/ (but `failing`) is built by dfc and by
// `buildah bud --layers` (vfs, runc) from the same busybox base, and the two images must have
// the same config and the same file tree. Where buildah 1.28 departs from Docker's documented
// behaviour (BuildKit is the reference), the difference is named below with the reason, and
// only that difference is forgiven. Needs root, buildah, runc and busybox-static.
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportRootfsToDir, makeBusyboxImage, resolveImage, saveArchive, Store } from '@dfc/store';
import { planDockerfile } from '@dfc/ir';
import { Runner } from '@dfc/runner';
import { build } from '../src/index.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'fixtures', 'build');

/** Fixtures that are not images: they exist to fail. */
const NOT_IMAGES = new Set(['failing']);

/** What the runtime leaves behind as empty mount points in buildah's images (not in Docker's). */
const RUNTIME_STUBS = new Set(['dev', 'proc', 'sys', 'run', 'etc/hosts', 'etc/hostname', 'etc/resolv.conf']);

/**
 * Where buildah 1.28 (Debian's) departs from Docker, per fixture. Each entry says what Docker
 * does and why buildah's result is not the reference.
 */
interface Exception {
  /** A Dockerfile buildah can read, when it cannot read the fixture's own. */
  dockerfile?: string;
  /** Paths (relative to /) whose content or metadata is left out of the comparison. */
  ignorePaths?: string[];
  /** Config fields as Docker sets them: dfc must have these values, buildah's are not compared. */
  config?: Record<string, unknown>;
  why: string;
}

const EXCEPTIONS: Record<string, Exception[]> = {
  'args-env': [
    {
      config: { Cmd: ['/bin/sh', '-ec', 'echo "$A" && exit 0'] },
      why: 'the Dockerfile reference: SHELL "affects shell form commands of RUN, CMD, and ENTRYPOINT"; buildah 1.28 uses /bin/sh -c for CMD',
    },
  ],
  mounts: [
    {
      // buildah learned heredocs in 1.33; Docker has them since dockerfile:1.4 (BuildKit 0.10).
      // The same steps as RUN lines; the script's $0 is the builder's own path either way.
      dockerfile: [
        'FROM busybox:latest AS data',
        'RUN mkdir -p /data && echo from-stage > /data/value.txt',
        'FROM busybox:latest',
        'RUN --mount=type=bind,source=input.txt,target=/mnt/input.txt cat /mnt/input.txt > /from-context.txt',
        'RUN --mount=type=bind,from=data,source=/data,target=/mnt/data cat /mnt/data/value.txt > /from-stage.txt',
        'RUN --mount=type=cache,target=/cache echo run >> /cache/log && wc -l < /cache/log > /cache-lines.txt',
        'RUN --mount=type=tmpfs,target=/scratch touch /scratch/x && ls /scratch > /tmpfs.txt',
        'RUN echo "script ran as $0" > /script.txt',
        'RUN echo plain heredoc > /plain.txt',
        '',
      ].join('\n'),
      ignorePaths: ['script.txt'],
      why: 'buildah 1.28 cannot parse heredocs (Dockerfile reference: "Here-Documents"); it gets the same steps as RUN lines',
    },
    {
      // BuildKit removes the mount points it had to create for RUN --mount, and their created
      // parents (moby/buildkit#3307, #3314); buildah 1.28 leaves them in the layer as empty
      // files and folders (fixed in buildah only later: containers/buildah#6233).
      ignorePaths: ['mnt', 'mnt/input.txt', 'mnt/data', 'cache', 'scratch'],
      why: 'buildah 1.28 leaves the empty mount points of RUN --mount in the image; BuildKit removes them',
    },
  ],
};

interface Node {
  type: 'file' | 'dir' | 'symlink' | 'other';
  mode: number;
  uid: number;
  gid: number;
  target?: string;
  sha256?: string;
}

/** Every path under `root` (relative, no leading `/`) with what the comparison looks at; no mtimes. */
function treeOf(root: string): Map<string, Node> {
  const out = new Map<string, Node>();
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
function workdirsOf(text: string): Set<string> {
  const plan = planDockerfile(text, {});
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

function configDiff(ours: Config, theirs: Config): string[] {
  const lines: string[] = [];
  for (const field of CONFIG_FIELDS) {
    const a = canonical(ours[field]);
    const b = canonical(theirs[field]);
    if (a !== b) lines.push(`config ${field}: dfc ${a ?? 'unset'}, buildah ${b ?? 'unset'}`);
  }
  return lines;
}

/** The differences between two trees, one line each (empty: the same). */
function treeDiff(dfcRoot: string, buildahRoot: string, ignore: Set<string>, workdirs: Set<string>): string[] {
  const ours = treeOf(dfcRoot);
  const theirs = treeOf(buildahRoot);
  const lines: string[] = [];
  const show = (n: Node): string =>
    `${n.type} ${n.mode.toString(8)} ${n.uid}:${n.gid}${n.target !== undefined ? ` -> ${n.target}` : ''}${n.sha256 ? ` ${n.sha256.slice(0, 12)}` : ''}`;
  for (const rel of [...new Set([...ours.keys(), ...theirs.keys()])].sort()) {
    if (ignore.has(rel)) continue;
    const a = ours.get(rel);
    const b = theirs.get(rel);
    if (!a && b && isEmptyStub(buildahRoot, rel, b)) continue;
    if (a && !b && a.type === 'dir' && workdirs.has(rel)) continue;
    if (a && b && show(a) === show(b)) continue;
    lines.push(`/${rel}: dfc ${a ? show(a) : 'missing'}, buildah ${b ? show(b) : 'missing'}`);
  }
  return lines;
}

type Config = Record<string, unknown>;

const CONFIG_FIELDS = ['Env', 'WorkingDir', 'User', 'Entrypoint', 'Cmd', 'Labels', 'ExposedPorts', 'Volumes', 'StopSignal', 'Healthcheck', 'Shell', 'OnBuild'];

/** The fields both builders must agree on, with "unset" spelled one way. */
function comparableConfig(config: Config, fromBuildah: boolean): Config {
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

function run(file: string, args: string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<string> {
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

function requireTool(tool: string, pkg: string): void {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
    throw new Error(`${tool} is not installed; install it with: apt-get install -y ${pkg}`);
  }
}

describe('dfc against buildah: the same config and file tree for every fixture', function () {
  this.timeout(300000);
  let dir: string;
  let store: Store;
  let runner: Runner;
  let buildahArgs: string[];
  const names = fs
    .readdirSync(fixtures)
    .filter((n) => !NOT_IMAGES.has(n) && fs.existsSync(path.join(fixtures, n, 'Dockerfile')))
    .sort();
  /** buildah's builds, started together in `before` (each a promise of its image name). */
  const buildahBuilds = new Map<string, Promise<string>>();
  const queue = [...names];

  // TMPDIR: buildah keeps RUN --mount=type=cache folders there (default /var/tmp), not in --root.
  const buildah = (...args: string[]): Promise<string> => run('buildah', [...buildahArgs, ...args], { env: { ...process.env, TMPDIR: path.join(dir, 'buildah', 'tmp') } });

  before(async function () {
    requireTool('buildah', 'buildah');
    requireTool('runc', 'runc');
    requireTool('umoci', 'umoci');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dfc-buildah-diff-'));
    fs.mkdirSync(path.join(dir, 'buildah', 'tmp'), { recursive: true });
    buildahArgs = ['--root', path.join(dir, 'buildah', 'root'), '--runroot', path.join(dir, 'buildah', 'run'), '--storage-driver', 'vfs'];
    store = await Store.open(path.join(dir, 'store'));
    await makeBusyboxImage(store, 'busybox:latest');
    runner = new Runner({ store });

    // The same base in buildah's storage, under the name the Dockerfiles use.
    const archive = path.join(dir, 'busybox.tar');
    await saveArchive(store, ['busybox:latest'], fs.createWriteStream(archive), 'oci');
    const id = (await buildah('pull', '--quiet', `oci-archive:${archive}`)).trim();
    await buildah('tag', id, 'busybox:latest', 'docker.io/library/busybox:latest');

    // buildah is the slow side: its builds run three at a time while dfc's run in the tests.
    const next = (): void => {
      const name = queue.shift();
      if (!name) return;
      const job = buildahBuild(name);
      buildahBuilds.set(name, job);
      void job.catch(() => undefined).finally(next);
    };
    for (let i = 0; i < 3; i++) next();
  });

  after(async function () {
    if (!buildahArgs) return;
    queue.length = 0; // start no more builds, and wait for the running ones
    await Promise.allSettled([...buildahBuilds.values()]);
    await buildah('rm', '--all').catch(() => undefined);
    await buildah('rmi', '--all', '--force').catch(() => undefined);
    await store?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function buildahBuild(name: string): Promise<string> {
    const context = path.join(fixtures, name);
    let dockerfile = path.join(context, 'Dockerfile');
    const replacement = EXCEPTIONS[name]?.find((e) => e.dockerfile)?.dockerfile;
    if (replacement) {
      dockerfile = path.join(dir, `${name}.Dockerfile`);
      fs.writeFileSync(dockerfile, replacement);
    }
    const tag = `localhost/diff/${name}:buildah`;
    // Docker's format: the OCI one has no Healthcheck, Shell or OnBuild, and buildah drops them.
    await buildah('bud', '--layers', '--runtime', 'runc', '--pull-never', '--format', 'docker', '--quiet', '-f', dockerfile, '-t', tag, context);
    return tag;
  }

  for (const name of names) {
    it(name, async function () {
      const context = path.join(fixtures, name);
      const dockerfile = path.join(context, 'Dockerfile');
      const tag = `diff/${name}:dfc`;
      await build({ store, runner, context, dockerfile, text: fs.readFileSync(dockerfile, 'utf8'), tags: [tag] });
      const ours = path.join(dir, `dfc-${name}`);
      await exportRootfsToDir(store, tag, ours);
      const ourConfig = (await resolveImage(store, tag)).config.config as unknown as Config;

      const image = await buildahBuildOf(name);
      const inspected = JSON.parse(await buildah('inspect', '--type', 'image', image)) as { Docker: { config: Config } };
      // The tree through buildah's own export and umoci, not `buildah from`: that would run ONBUILD.
      const layout = path.join(dir, `oci-${name}`);
      await buildah('push', '--quiet', image, `oci:${layout}:image`);
      const bundle = path.join(dir, `bundle-${name}`);
      await run('umoci', ['unpack', '--image', `${layout}:image`, bundle]);
      const theirs = path.join(bundle, 'rootfs');
      const exceptions = EXCEPTIONS[name] ?? [];
      const ignore = new Set(exceptions.flatMap((e) => e.ignorePaths ?? []));
      try {
        const expected = comparableConfig(inspected.Docker.config, true);
        for (const e of exceptions) Object.assign(expected, e.config ?? {});
        const differences = [
          ...configDiff(comparableConfig(ourConfig, false), expected),
          ...treeDiff(ours, theirs, ignore, workdirsOf(fs.readFileSync(dockerfile, 'utf8'))),
        ];
        expect(differences, `${name}: dfc's image against buildah's`).to.deep.equal([]);
      } finally {
        for (const d of [ours, layout, bundle]) fs.rmSync(d, { recursive: true, force: true });
      }
    });
  }

  function buildahBuildOf(name: string): Promise<string> {
    const job = buildahBuilds.get(name);
    if (job) return job;
    // Not started yet: wait for the queue to reach it.
    return new Promise((resolve, reject) => {
      const poll = setInterval(() => {
        const started = buildahBuilds.get(name);
        if (!started) return;
        clearInterval(poll);
        started.then(resolve, reject);
      }, 100);
    });
  }
});
