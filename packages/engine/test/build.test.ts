// Builds of fixtures/build/* with the real runtime (runc, as root), checked by what the image
// holds: its file tree and its config, not by the engine's own reports.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportRootfsToDir, makeBusyboxImage, resolveImage, Store } from '@dfc/store';
import { Runner } from '@dfc/runner';
import { build, BuildError, type BuildEvent } from '../src/index.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'fixtures', 'build');

describe('dfc build of the fixtures (runc)', function () {
  this.timeout(300000);
  let dir: string;
  let store: Store;
  let runner: Runner;

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dfc-build-'));
    store = await Store.open(path.join(dir, 'store'));
    await makeBusyboxImage(store, 'busybox:latest');
    runner = new Runner({ store });
  });

  after(async function () {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function buildFixture(name: string, tag: string, events: BuildEvent[] = []): Promise<{ root: string; config: Record<string, unknown> }> {
    const context = path.join(fixtures, name);
    const dockerfile = path.join(context, 'Dockerfile');
    await build({ store, runner, context, dockerfile, text: fs.readFileSync(dockerfile, 'utf8'), tags: [tag], onEvent: (e) => events.push(e) });
    const root = path.join(dir, `rootfs-${name}`);
    await exportRootfsToDir(store, tag, root);
    const image = await resolveImage(store, tag);
    return { root, config: image.config as unknown as Record<string, unknown> };
  }

  it('metadata instructions set the image config', async function () {
    const { config } = await buildFixture('metadata', 'fixture/metadata:1');
    const c = config['config'] as Record<string, unknown>;
    expect(c['Env']).to.include.members(['APP_HOME=/srv/app', 'GREETING=hello world']);
    expect(c['Labels']).to.deep.equal({ 'org.example.name': 'metadata', 'org.example.version': '1' });
    expect(c['WorkingDir']).to.equal('/srv/app/sub');
    expect(c['User']).to.equal('1000:1000');
    expect(Object.keys(c['ExposedPorts'] as object).sort()).to.deep.equal(['53/udp', '80/tcp', '8000/tcp', '8001/tcp']);
    expect(c['Volumes']).to.deep.equal({ '/data': {} });
    expect(c['StopSignal']).to.equal('SIGQUIT');
    expect(c['Entrypoint']).to.deep.equal(['/bin/sh', '-c']);
    expect(c['Cmd']).to.deep.equal(['echo $GREETING']);
    expect((c['Healthcheck'] as { Test: string[] }).Test).to.deep.equal(['CMD-SHELL', 'wget -q -O- http://localhost/ || exit 1']);
    expect(config['architecture']).to.equal('amd64');
    expect((config['history'] as unknown[]).length).to.be.greaterThan(5);
  });

  it('files: .dockerignore, wildcards, directory contents, --chown by name, --chmod, links, ADD of an archive', async function () {
    const { root } = await buildFixture('files', 'fixture/files:1');
    const read = (p: string): string => fs.readFileSync(path.join(root, p), 'utf8');
    expect(fs.readdirSync(path.join(root, 'etc/app')).sort()).to.deep.equal(['a.conf', 'b.conf']);
    expect(fs.existsSync(path.join(root, 'etc/app/scratch.tmp'))).to.equal(false);
    expect(read('opt/src/main.c')).to.contain('int main');
    expect(fs.statSync(path.join(root, 'opt/src/run.sh')).mode & 0o777).to.equal(0o755);
    expect(fs.existsSync(path.join(root, 'opt/src/build/out.o'))).to.equal(false);
    expect(read('opt/src/build/keep.txt')).to.equal('kept\n');
    const secret = fs.statSync(path.join(root, 'home/app/secret.txt'));
    expect([secret.uid, secret.gid, secret.mode & 0o777]).to.deep.equal([1000, 1000, 0o640]);
    expect(read('opt/link-target.txt')).to.equal('through a link\n');
    expect(read('opt/bundle/pkg/inner.txt')).to.equal('inner\n');
  });

  it('multi-stage: COPY --from by name and index, RUN diffs that delete files', async function () {
    const { root } = await buildFixture('multistage', 'fixture/multistage:1');
    expect(fs.readFileSync(path.join(root, 'app/artifact.bin'), 'utf8')).to.equal('compiled\n');
    expect(fs.readFileSync(path.join(root, 'app/tool.txt'), 'utf8')).to.equal('tool\n');
    expect(fs.readFileSync(path.join(root, 'app/listing.txt'), 'utf8').split('\n').filter(Boolean)).to.deep.equal(['artifact.bin', 'tool.txt']);
    expect(fs.existsSync(path.join(root, 'bin/vi'))).to.equal(false);
    expect(fs.existsSync(path.join(root, 'bin/sh'))).to.equal(true);
    // The runtime's mount points never reach a layer.
    expect(fs.existsSync(path.join(root, 'etc/hosts'))).to.equal(false);
  });

  it('RUN --mount (bind from the context and a stage, cache, tmpfs) and heredoc scripts', async function () {
    const { root } = await buildFixture('mounts', 'fixture/mounts:1');
    const read = (p: string): string => fs.readFileSync(path.join(root, p), 'utf8');
    expect(read('from-context.txt')).to.equal('from the context\n');
    expect(read('from-stage.txt')).to.equal('from-stage\n');
    expect(read('cache-lines.txt').trim()).to.equal('1');
    expect(read('tmpfs.txt')).to.equal('x\n');
    expect(read('script.txt')).to.match(/^script ran as \//);
    expect(read('plain.txt')).to.equal('plain heredoc\n');
    // Mount points and the cache's own files stay out of the image.
    expect(fs.existsSync(path.join(root, 'mnt/input.txt'))).to.equal(false);
    expect(fs.existsSync(path.join(root, 'cache/log'))).to.equal(false);
    expect(fs.existsSync(path.join(root, 'scratch/x'))).to.equal(false);
    expect(fs.existsSync(path.join(root, '.dfc-heredoc'))).to.equal(false);
  });

  it('a second build of the same fixture runs nothing and gives the same image', async function () {
    const before = (await resolveImage(store, 'fixture/multistage:1')).id;
    const events: BuildEvent[] = [];
    await buildFixture('multistage', 'fixture/multistage:2', events);
    expect(events.filter((e) => e.type === 'step-miss')).to.deep.equal([]);
    expect((await resolveImage(store, 'fixture/multistage:2')).id).to.equal(before);
  });

  it('a failing RUN names the step and its exit status, and its output reached the events', async function () {
    const events: BuildEvent[] = [];
    try {
      await buildFixture('failing', 'fixture/failing:1', events);
      expect.fail('expected the build to fail');
    } catch (err) {
      expect(err).to.be.instanceOf(BuildError);
      expect((err as Error).message).to.match(/failing\/Dockerfile:2: .*RUN .*exit 7: the command exited with status 7$/);
    }
    const output = events.flatMap((e) => (e.type === 'step-output' ? [e.data] : [])).join('');
    expect(output).to.contain('about to fail');
    expect(output).to.contain('to stderr');
  });
});
