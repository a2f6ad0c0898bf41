// Differential tests: every fixture in fixtures/build/ (but `failing`) is built by dfc and by
// `buildah bud --layers` (vfs, runc) from the same busybox base, and the two images must have
// the same config, the same file tree and the same history (which instructions made layers).
// Where buildah 1.28 departs from Docker's documented behaviour (BuildKit is the reference), the
// difference is named below with the reason, and only that difference is forgiven. Needs root,
// buildah, runc and busybox-static.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportRootfsToDir, resolveImage, Store } from '@dfc/store';
import { Runner } from '@dfc/runner';
import { build } from '../src/index.js';
import { Buildah, comparableConfig, configDiff, historyShape, JobQueue, treeDiff, workdirsOf, type Config } from './buildah.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'fixtures', 'build');

/** Fixtures that are not images: they exist to fail. */
const NOT_IMAGES = new Set(['failing']);

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

describe('dfc against buildah: the same config and file tree for every fixture', function () {
  this.timeout(300000);
  let dir: string;
  let store: Store;
  let runner: Runner;
  let buildah: Buildah | undefined;
  let queue: JobQueue<string> | undefined;
  let baseHistory = 0;
  const names = fs
    .readdirSync(fixtures)
    .filter((n) => !NOT_IMAGES.has(n) && fs.existsSync(path.join(fixtures, n, 'Dockerfile')))
    .sort();

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dfc-buildah-diff-'));
    store = await Store.open(path.join(dir, 'store'));
    const b = (buildah = await Buildah.start(path.join(dir, 'buildah'), store));
    runner = new Runner({ store });
    baseHistory = ((await resolveImage(store, 'busybox:latest')).config as { history?: unknown[] }).history?.length ?? 0;
    // buildah is the slow side: its builds run three at a time while dfc's run in the tests.
    queue = new JobQueue(names, (name) => buildahBuild(b, name), 3);
  });

  after(async function () {
    if (!buildah) return;
    await queue?.stop();
    await buildah.removeAll();
    await store?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function buildahBuild(b: Buildah, name: string): Promise<string> {
    const context = path.join(fixtures, name);
    let dockerfile = path.join(context, 'Dockerfile');
    const replacement = EXCEPTIONS[name]?.find((e) => e.dockerfile)?.dockerfile;
    if (replacement) {
      dockerfile = path.join(dir, `${name}.Dockerfile`);
      fs.writeFileSync(dockerfile, replacement);
    }
    return b.bud(context, dockerfile, `localhost/diff/${name}:buildah`);
  }

  for (const name of names) {
    it(name, async function () {
      const context = path.join(fixtures, name);
      const dockerfile = path.join(context, 'Dockerfile');
      const tag = `diff/${name}:dfc`;
      await build({ store, runner, context, dockerfile, text: fs.readFileSync(dockerfile, 'utf8'), tags: [tag] });
      const ours = path.join(dir, `dfc-${name}`);
      await exportRootfsToDir(store, tag, ours);
      const ourImage = (await resolveImage(store, tag)).config as unknown as { config: Config; history?: { created_by?: string; empty_layer?: boolean }[] };
      const ourConfig = ourImage.config;

      const image = await queue!.result(name);
      const inspected = await buildah!.inspect(image);
      const work = path.join(dir, `buildah-${name}`);
      const exceptions = EXCEPTIONS[name] ?? [];
      const ignore = new Set(exceptions.flatMap((e) => e.ignorePaths ?? []));
      try {
        const theirs = await buildah!.rootfs(image, work);
        const expected = comparableConfig(inspected.config, true);
        for (const e of exceptions) Object.assign(expected, e.config ?? {});
        const differences = [
          ...configDiff(comparableConfig(ourConfig, false), expected),
          ...treeDiff(ours, theirs, ignore, workdirsOf(fs.readFileSync(dockerfile, 'utf8'))),
        ];
        // Which instructions made layers, in order (the base's own entries are the same in both).
        const a = historyShape(ourImage.history ?? [], baseHistory);
        const b = historyShape(inspected.history, baseHistory);
        if (a !== b) differences.push(`history: dfc ${a}, buildah ${b}`);
        expect(differences, `${name}: dfc's image against buildah's`).to.deep.equal([]);
      } finally {
        for (const d of [ours, work]) fs.rmSync(d, { recursive: true, force: true });
      }
    });
  }
});
