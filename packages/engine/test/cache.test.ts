// The build cache as mutation tests: each change to a build's inputs misses exactly the steps
// it should, and says why. RUN goes to a fake runner (it records what ran and writes a layer),
// so these tests need no root; the real runtime is tested in build.test.ts.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeBusyboxImage, Store, writeLayer } from '@dfc/store';
import type { RunRequest, RunResult, StepRunner } from '@dfc/runner';
import { build, type BuildEvent, type BuildOptions } from '../src/index.js';

class FakeRunner implements StepRunner {
  readonly runs: RunRequest[] = [];
  constructor(
    private readonly store: Store,
    private readonly delayMs = 0,
  ) {}

  async run(request: RunRequest): Promise<RunResult> {
    this.runs.push(request);
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    const command = request.args[request.args.length - 1] ?? '';
    const layer = await writeLayer(this.store, [{ kind: 'file', path: `ran/${this.runs.length}.txt`, content: command }]);
    return { exitCode: command.includes('exit 3') ? 3 : 0, layer, id: 'fake', timings: { prepareMs: 0, runMs: 0, diffMs: 0 } };
  }
}

describe('build cache', function () {
  this.timeout(120000);
  let dir: string;
  let store: Store;
  let context: string;

  const dockerfile = [
    'FROM busybox:latest AS base',
    'ARG FLAVOR=plain',
    'COPY app.txt /app/',
    'RUN echo built',
    'RUN echo flavor $FLAVOR',
    'COPY *.cfg /etc/app/',
    'RUN echo last',
    '',
  ].join('\n');

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dfc-cache-'));
    store = await Store.open(path.join(dir, 'store'));
    await makeBusyboxImage(store, 'busybox:latest');
    context = path.join(dir, 'context');
    fs.mkdirSync(context);
    fs.writeFileSync(path.join(context, 'app.txt'), 'v1');
    fs.writeFileSync(path.join(context, 'a.cfg'), 'a');
    fs.writeFileSync(path.join(context, 'Dockerfile'), dockerfile);
  });

  after(async function () {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function run(extra: Partial<BuildOptions> = {}): Promise<{ ran: string[]; cached: number[]; misses: Record<number, string>; id: string; events: BuildEvent[] }> {
    const runner = new FakeRunner(store);
    const events: BuildEvent[] = [];
    const result = await build({
      store, runner, context, dockerfile: path.join(context, 'Dockerfile'), text: fs.readFileSync(path.join(context, 'Dockerfile'), 'utf8'),
      onEvent: (e) => events.push(e), ...extra,
    });
    const misses: Record<number, string> = {};
    for (const e of events) if (e.type === 'step-miss') misses[e.step] = e.reason;
    return {
      ran: runner.runs.map((r) => r.args[r.args.length - 1]!),
      cached: events.flatMap((e) => (e.type === 'step-cached' ? [e.step] : [])),
      misses,
      id: result.imageId,
      events,
    };
  }

  it('runs everything the first time, then nothing on a no-op rebuild, with the same image', async function () {
    const first = await run();
    expect(first.ran).to.deep.equal(['echo built', 'echo flavor $FLAVOR', 'echo last']);
    const second = await run();
    expect(second.ran).to.deep.equal([]);
    expect(second.misses).to.deep.equal({});
    expect(second.id).to.equal(first.id);
  });

  it('keeps the cache when a file is touched but not changed', async function () {
    const later = new Date(Date.now() + 60000);
    fs.utimesSync(path.join(context, 'app.txt'), later, later);
    const r = await run();
    expect(r.ran).to.deep.equal([]);
    const ctx = r.events.find((e) => e.type === 'context') as Extract<BuildEvent, { type: 'context' }>;
    expect(ctx.hashed).to.equal(1);
  });

  it('misses exactly the steps after a changed file, and names the file', async function () {
    fs.writeFileSync(path.join(context, 'a.cfg'), 'a2');
    const r = await run();
    expect(r.ran).to.deep.equal(['echo last']);
    expect(Object.values(r.misses)).to.deep.equal(['file changed: a.cfg', 'the step before it changed']);
  });

  it('misses on a chmod and on a new file matched by a wildcard', async function () {
    fs.chmodSync(path.join(context, 'app.txt'), 0o600);
    const chmod = await run();
    expect(chmod.ran).to.deep.equal(['echo built', 'echo flavor $FLAVOR', 'echo last']);
    expect(Object.values(chmod.misses)[0]).to.equal('file changed: app.txt');
    fs.writeFileSync(path.join(context, 'b.cfg'), 'b');
    const added = await run();
    expect(added.ran).to.deep.equal(['echo last']);
    expect(Object.values(added.misses)[0]).to.equal('file changed: b.cfg (new)');
  });

  it('misses when two files with the same bytes become one file with two names (COPY keeps hard links)', async function () {
    fs.writeFileSync(path.join(context, 'c.cfg'), 'b');
    expect((await run()).ran).to.deep.equal(['echo last']);
    fs.rmSync(path.join(context, 'c.cfg'));
    fs.linkSync(path.join(context, 'b.cfg'), path.join(context, 'c.cfg'));
    const linked = await run();
    expect(linked.ran).to.deep.equal(['echo last']);
    expect(Object.values(linked.misses)[0]).to.equal('files changed: b.cfg, c.cfg');
    expect((await run()).ran).to.deep.equal([]);
  });

  it('misses only from the first step that reads a changed build arg', async function () {
    const r = await run({ buildArgs: { FLAVOR: 'spicy' } });
    expect(r.ran).to.deep.equal(['echo built', 'echo flavor $FLAVOR', 'echo last']);
    // RUN reads every ARG in scope, as in BuildKit: the first RUN after the ARG misses.
    expect(Object.values(r.misses)[0]).to.equal('build arg FLAVOR changed (plain → spicy)');
    const again = await run({ buildArgs: { FLAVOR: 'spicy' } });
    expect(again.ran).to.deep.equal([]);
  });

  it('keys a folder copied whole by its tree, and names the file that changed deep inside it', async function () {
    const big = path.join(dir, 'big');
    for (let p = 0; p < 20; p++) {
      fs.mkdirSync(path.join(big, 'lib', `pkg-${p}`), { recursive: true });
      for (let f = 0; f < 50; f++) fs.writeFileSync(path.join(big, 'lib', `pkg-${p}`, `f-${f}.js`), `module.exports = ${p * 50 + f};\n`);
    }
    fs.writeFileSync(path.join(big, 'app.txt'), 'app');
    const text = ['FROM busybox:latest', 'COPY lib /lib/', 'RUN echo lib', 'COPY app.txt /', 'RUN echo app', ''].join('\n');
    const once = (): Promise<{ ran: string[]; misses: string[] }> => run({ context: big, dockerfile: path.join(big, 'Dockerfile'), text })
      .then((r) => ({ ran: r.ran, misses: Object.values(r.misses) }));
    expect((await once()).ran).to.deep.equal(['echo lib', 'echo app']);
    expect(await once()).to.deep.equal({ ran: [], misses: [] });
    fs.writeFileSync(path.join(big, 'lib', 'pkg-7', 'f-3.js'), 'module.exports = 999;\n');
    expect(await once()).to.deep.equal({ ran: ['echo lib', 'echo app'], misses: ['file changed: lib/pkg-7/f-3.js', 'the step before it changed', 'the step before it changed', 'the step before it changed'] });
    fs.writeFileSync(path.join(big, 'lib', 'pkg-2', 'new.js'), '');
    fs.rmSync(path.join(big, 'lib', 'pkg-9', 'f-9.js'));
    expect((await once()).misses[0]).to.equal('files changed: lib/pkg-2/new.js (new), lib/pkg-9/f-9.js (removed)');
    fs.writeFileSync(path.join(big, 'app.txt'), 'app 2');
    expect(await once()).to.deep.equal({ ran: ['echo app'], misses: ['file changed: app.txt', 'the step before it changed'] });
    // Back to a folder built before: a hit on its old record.
    fs.rmSync(path.join(big, 'lib', 'pkg-2', 'new.js'));
    fs.writeFileSync(path.join(big, 'lib', 'pkg-9', 'f-9.js'), 'module.exports = 459;\n');
    expect((await once()).ran).to.deep.equal(['echo app']);
    // One listing kept: the folder as the step last copied it, not one per state it was in.
    expect(fs.readdirSync(path.join(store.recordsDir, 'cache', 'trees'))).to.have.length(1);
  });

  it('runs every step with --no-cache', async function () {
    const r = await run({ noCache: true });
    expect(r.ran).to.have.length(3);
    expect(Object.values(r.misses).every((m) => m === '--no-cache')).to.equal(true);
  });

  it('fails a step with a non-zero exit, naming it by file and line, and keeps what was built', async function () {
    const failing = dockerfile.replace('RUN echo last', 'RUN echo last && exit 3');
    fs.writeFileSync(path.join(context, 'Dockerfile.fail'), failing);
    try {
      await build({ store, runner: new FakeRunner(store), context, dockerfile: path.join(context, 'Dockerfile.fail'), text: failing });
      expect.fail('expected the build to fail');
    } catch (err) {
      expect((err as Error).message).to.match(/Dockerfile\.fail:7: \[base 7\/7\] RUN echo last && exit 3: the command exited with status 3$/);
    }
    const r = await run();
    expect(r.ran).to.deep.equal([]);
  });

  it('reports the step that failed, not the steps stopped after it', async function () {
    const text = ['FROM busybox:latest AS a', 'RUN echo a && exit 3', 'FROM busybox:latest AS b', 'RUN echo b', 'FROM busybox:latest AS c', 'RUN echo c',
      'FROM busybox:latest', 'COPY --from=a /ran /a', 'COPY --from=b /ran /b', 'COPY --from=c /ran /c', ''].join('\n');
    try {
      await build({ store, runner: new FakeRunner(store, 50), context, dockerfile: path.join(context, 'Dockerfile.fails'), text, noCache: true, concurrency: 2 });
      expect.fail('expected the build to fail');
    } catch (err) {
      expect((err as Error).message).to.match(/Dockerfile\.fails:2: \[a 2\/2\] RUN echo a && exit 3: the command exited with status 3$/);
    }
  });

  it('copies heredoc sources beside context files, and a heredoc name never picks a host path', async function () {
    const mixed = ['FROM busybox:latest', 'COPY app.txt <<note.txt /srv/', 'hello', 'note.txt', ''].join('\n');
    await build({ store, runner: new FakeRunner(store), context, dockerfile: path.join(context, 'Dockerfile.heredoc'), text: mixed });
    const escape = `../../../../../../../../../tmp/dfc-heredoc-escape-${process.pid}`;
    const hostile = ['FROM busybox:latest', `COPY <<${escape} /x`, 'escaped?', escape, ''].join('\n');
    try {
      await build({ store, runner: new FakeRunner(store), context, dockerfile: path.join(context, 'Dockerfile.hostile'), text: hostile });
      expect.fail('expected the build to fail');
    } catch (err) {
      expect((err as Error).message).to.match(/Dockerfile\.hostile:2: COPY \.\.\/.*: the path is outside the build context$/);
    }
    expect(fs.existsSync(`/tmp/dfc-heredoc-escape-${process.pid}`)).to.equal(false);
  });

  it('runs independent stages at the same time', async function () {
    const text = ['FROM busybox:latest AS a', 'RUN echo a', 'FROM busybox:latest AS b', 'RUN echo b', 'FROM busybox:latest', 'COPY --from=a /ran /a', 'COPY --from=b /ran /b', ''].join('\n');
    const runner = new FakeRunner(store, 300);
    const events: BuildEvent[] = [];
    await build({ store, runner, context, dockerfile: path.join(context, 'Dockerfile.par'), text, noCache: true, concurrency: 2, onEvent: (e) => events.push(e) });
    // Seen from the events, as a progress display sees them: both RUN steps are running at once.
    const runSteps = events.flatMap((e) => (e.type === 'plan' ? e.steps.filter((s) => s.name.includes('RUN')).map((s) => s.step) : []));
    const span = (step: number): [number, number] => {
      const start = events.find((e) => e.type === 'step-start' && e.step === step) as Extract<BuildEvent, { type: 'step-start' }>;
      const done = events.find((e) => e.type === 'step-done' && e.step === step) as Extract<BuildEvent, { type: 'step-done' }>;
      return [start.at, done.at];
    };
    const [a, b] = runSteps.map(span);
    expect(runSteps).to.have.length(2);
    expect(a![0] < b![1] && b![0] < a![1], `the two RUN steps overlap: ${JSON.stringify([a, b])}`).to.equal(true);
  });
});
