// What a Dockerfile means, as the build plan tells it: variables, stages, the image config
// after each step, the graph and its cache-key inputs, and the errors a user gets.
import { expect } from 'chai';
import { planDockerfile, type BuildPlan, type ContainerConfig, type Op, type PlanOptions, type Vertex } from '../src/index.js';

function plan(text: string, options?: PlanOptions): BuildPlan {
  return planDockerfile(text, options);
}

/** The config the target stage ends with. */
function finalConfig(p: BuildPlan): ContainerConfig {
  const stage = p.stages[p.target!.index]!;
  return p.vertices[stage.vertices[stage.vertices.length - 1]!]!.config!.config;
}

function env(p: BuildPlan): Record<string, string> {
  return Object.fromEntries((finalConfig(p).Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}

type OpOf<K extends Op['kind']> = Op extends infer O ? (O extends { kind: infer L } ? (K extends L ? O : never) : never) : never;

function ops<K extends Op['kind']>(p: BuildPlan, kind: K): (Vertex & { op: OpOf<K> })[] {
  return p.vertices.filter((v) => v.op.kind === kind) as (Vertex & { op: OpOf<K> })[];
}

function errors(p: BuildPlan): string[] {
  return p.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.range.start.line}:${d.range.start.column} ${d.code}`);
}

describe('plan: ARG scoping', function () {
  it('lets FROM use global ARGs but a stage only after it declares them again', function () {
    const p = plan('ARG V=3.19\nFROM alpine:$V\nENV A=$V\nARG V\nENV B=$V\n');
    expect(p.stages[0]!.base).to.deep.equal({ kind: 'image', ref: 'alpine:3.19', normalized: 'docker.io/library/alpine:3.19' });
    expect(env(p)).to.include({ A: '', B: '3.19' });
  });

  it('takes --build-arg over defaults, and reports build args no ARG declared', function () {
    const p = plan('ARG V=1\nFROM busybox:$V\nARG N=x\nENV N=$N\n', { buildArgs: { V: '2', N: 'y', EXTRA: 'z' } });
    expect(p.stages[0]!.base).to.deep.include({ ref: 'busybox:2' });
    expect(env(p).N).to.equal('y');
    expect(p.args).to.deep.equal([
      { name: 'EXTRA', value: 'z', used: false },
      { name: 'N', value: 'y', used: true },
      { name: 'V', value: '2', used: true },
    ]);
  });

  it('predefines the platform ARGs for linux/amd64, usable in FROM and after ARG in a stage', function () {
    const p = plan('FROM --platform=$BUILDPLATFORM alpine\nARG TARGETPLATFORM\nARG TARGETOS\nARG TARGETARCH\nARG TARGETVARIANT\nARG BUILDOS\nARG BUILDARCH\nENV P=$TARGETPLATFORM O=$TARGETOS A=$TARGETARCH V=$TARGETVARIANT B=$BUILDOS/$BUILDARCH U=$BUILDPLATFORM\n');
    expect(env(p)).to.include({ P: 'linux/amd64', O: 'linux', A: 'amd64', V: '', B: 'linux/amd64', U: '' });
    expect(p.stages[0]!.platform).to.equal('linux/amd64');
  });

  it('gives RUN the proxy build args without ARG, and keeps them out of the cache key', function () {
    const p = plan('FROM alpine\nRUN true\n', { buildArgs: { HTTPS_PROXY: 'http://p:1' } });
    const run = ops(p, 'run')[0]!;
    expect(run.op.proxyEnv).to.deep.equal({ HTTPS_PROXY: 'http://p:1' });
    expect(run.op.env.join(' ')).not.to.include('PROXY');
    expect(run.cacheKey.args).to.deep.equal({});
    expect(p.args[0]!.used).to.equal(true);
  });

  it('puts every ARG in scope into a RUN cache key, but only the ARGs a COPY reads into its key', function () {
    const p = plan('FROM alpine\nARG A=1\nARG B=2\nRUN make\nCOPY $A /dst\n');
    expect(ops(p, 'run')[0]!.cacheKey.args).to.deep.equal({ A: '1', B: '2' });
    expect(ops(p, 'copy')[0]!.cacheKey.args).to.deep.equal({ A: '1' });
  });

  it('carries ARG values into a stage built on another stage', function () {
    const p = plan('FROM alpine AS a\nARG X=1\nFROM a\nENV Y=$X\n');
    expect(env(p).Y).to.equal('1');
  });
});

describe('plan: expansion', function () {
  it('expands ENV and LABEL against the values from before the instruction', function () {
    const p = plan('FROM alpine\nENV A=1\nENV A=2 B=$A\nLABEL x=$A y=$B\n');
    expect(env(p)).to.include({ A: '2', B: '1' });
    expect(finalConfig(p).Labels).to.deep.equal({ x: '2', y: '1' });
  });

  it('never expands RUN, CMD, ENTRYPOINT or HEALTHCHECK', function () {
    const p = plan('FROM alpine\nENV X=1\nRUN echo $X\nCMD echo $X\nENTRYPOINT ["a", "$X"]\nHEALTHCHECK CMD test $X\n');
    expect(ops(p, 'run')[0]!.op.args).to.deep.equal(['/bin/sh', '-c', 'echo $X']);
    const c = finalConfig(p);
    expect(c.Entrypoint).to.deep.equal(['a', '$X']);
    expect(c.Healthcheck!.Test).to.deep.equal(['CMD-SHELL', 'test $X']);
  });

  it('expands WORKDIR, USER, VOLUME, EXPOSE, STOPSIGNAL and COPY words and flags', function () {
    const p = plan('FROM alpine\nARG D=/srv U=app P=8080 S=SIGINT M=0644\nWORKDIR $D\nUSER $U\nVOLUME $D/data\nEXPOSE $P\nSTOPSIGNAL $S\nCOPY --chmod=$M --chown=$U f* ${D}/x/\n');
    const c = finalConfig(p);
    expect(c).to.deep.include({ WorkingDir: '/srv', User: 'app', StopSignal: 'SIGINT' });
    expect(c.Volumes).to.deep.equal({ '/srv/data': {} });
    expect(c.ExposedPorts).to.deep.equal({ '8080/tcp': {} });
    const copy = ops(p, 'copy')[0]!.op;
    expect([copy.chmod, copy.chown, copy.destination, copy.sources[0]!.path]).to.deep.equal(['0644', 'app', '/srv/x/', 'f*']);
  });

  it('points an expansion error at the reference that failed', function () {
    const p = plan('FROM scratch\nENV A=x${B:?required}\n');
    expect(p.diagnostics).to.have.length(1);
    expect(p.diagnostics[0]).to.deep.include({ code: 'IR002', severity: 'error' });
    expect(p.diagnostics[0]!.range.start).to.deep.include({ line: 2, column: 8 });
  });
});

describe('plan: image config', function () {
  it('starts from Docker\'s default PATH and keeps a PATH the base image has', function () {
    expect(env(plan('FROM scratch\n')).PATH).to.equal('/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
    const p = plan('FROM node:20\nENV PATH=$PATH:/x\n', { baseImageConfig: () => ({ Env: ['PATH=/node/bin', 'NODE_VERSION=20'], WorkingDir: '/app', Cmd: ['node'] }) });
    expect(env(p)).to.include({ PATH: '/node/bin:/x', NODE_VERSION: '20' });
    expect(finalConfig(p)).to.deep.include({ WorkingDir: '/app', Cmd: ['node'] });
  });

  it('resolves a relative WORKDIR against the previous one and the base image\'s', function () {
    const p = plan('FROM img\nWORKDIR a/b\nWORKDIR ../c\n', { baseImageConfig: () => ({ WorkingDir: '/base' }) });
    expect(ops(p, 'workdir').map((v) => v.op.path)).to.deep.equal(['/base/a/b', '/base/a/c']);
  });

  it('wraps shell-form CMD and ENTRYPOINT in the current SHELL', function () {
    const c = finalConfig(plan('FROM alpine\nSHELL ["/bin/bash", "-c"]\nENTRYPOINT run.sh\nCMD fast\n'));
    expect(c.Entrypoint).to.deep.equal(['/bin/bash', '-c', 'run.sh']);
    expect(c.Cmd).to.deep.equal(['/bin/bash', '-c', 'fast']);
    expect(c.Shell).to.deep.equal(['/bin/bash', '-c']);
  });

  it('drops the base CMD on a new ENTRYPOINT, unless the stage set CMD before it', function () {
    expect(finalConfig(plan('FROM alpine AS a\nCMD ["x"]\nFROM a\nENTRYPOINT ["e"]\n')).Cmd).to.equal(undefined);
    expect(finalConfig(plan('FROM alpine AS a\nCMD ["x"]\nFROM a\nCMD ["y"]\nENTRYPOINT ["e"]\n')).Cmd).to.deep.equal(['y']);
  });

  it('exposes single ports, protocols and every port of a range', function () {
    const c = finalConfig(plan('FROM alpine\nEXPOSE 80 53/udp 7000-7002/TCP 9/sctp\n'));
    expect(Object.keys(c.ExposedPorts!)).to.deep.equal(['53/udp', '7000/tcp', '7001/tcp', '7002/tcp', '80/tcp', '9/sctp']);
  });

  it('stores HEALTHCHECK durations in nanoseconds', function () {
    const c = finalConfig(plan('FROM alpine\nHEALTHCHECK --interval=1m30s --timeout=250ms --retries=5 CMD ["check"]\n'));
    expect(c.Healthcheck).to.deep.equal({ Test: ['CMD', 'check'], Interval: 90e9, Timeout: 250e6, Retries: 5 });
    expect(finalConfig(plan('FROM alpine\nHEALTHCHECK NONE\n')).Healthcheck).to.deep.equal({ Test: ['NONE'] });
  });

  it('records ONBUILD triggers, runs them in a stage built on that stage, and does not pass them on', function () {
    const p = plan('FROM alpine AS base\nONBUILD RUN echo hi\nFROM base\nRUN echo child\n');
    expect(p.vertices[p.stages[0]!.vertices.at(-1)!]!.config!.config.OnBuild).to.deep.equal(['RUN echo hi']);
    const runs = ops(p, 'run').filter((v) => v.stage === 1);
    expect(runs.map((v) => [v.op.args[2], v.onbuild])).to.deep.equal([['echo hi', true], ['echo child', false]]);
    expect(finalConfig(p).OnBuild).to.equal(undefined);
  });

  it('runs the ONBUILD triggers of a base image first, located at FROM', function () {
    const p = plan('FROM builder\nRUN two\n', { baseImageConfig: () => ({ OnBuild: ['RUN one'] }) });
    const runs = ops(p, 'run');
    expect(runs.map((v) => v.op.args[2])).to.deep.equal(['one', 'two']);
    expect(runs[0]!.range!.start.line).to.equal(1);
  });

  it('links COPY --from in the ONBUILD triggers of a base image', function () {
    const p = plan('FROM alpine AS assets\nRUN make\nFROM builder\n', { baseImageConfig: (ref) => (ref.includes('builder') ? { OnBuild: ['COPY --from=assets /a /a'] } : undefined) });
    const copy = ops(p, 'copy')[0]!;
    expect(copy.op.from).to.deep.equal({ kind: 'stage', stage: 0, vertex: 1 });
    expect(copy.onbuild).to.equal(true);
  });

  it('sets the author from MAINTAINER and keeps labels sorted', function () {
    const p = plan('FROM alpine\nMAINTAINER me\nLABEL b=2 a=1\n');
    expect(p.vertices.at(-1)!.config).to.deep.include({ author: 'me' });
    expect(Object.keys(finalConfig(p).Labels!)).to.deep.equal(['a', 'b']);
  });
});

describe('plan: graph', function () {
  const multi = 'FROM golang AS build\nRUN go build\nFROM alpine AS tools\nRUN apk add x\nFROM scratch AS final\nCOPY --from=build /app /app\nCOPY --from=1 /x /x\nCOPY --from=busybox /bin/sh /sh\nRUN --mount=from=build,target=/b ls\n';

  it('links COPY --from a stage name, an index and an image, and RUN --mount from=', function () {
    const p = plan(multi);
    const edges = p.edges.filter((e) => e.kind !== 'parent').map((e) => [p.vertices[e.from]!.op.kind, e.kind]);
    expect(edges).to.deep.equal([['run', 'copy'], ['run', 'copy'], ['image', 'copy'], ['run', 'mount']]);
    const image = ops(p, 'image')[0]!;
    expect(image.op).to.deep.include({ ref: 'busybox', normalized: 'docker.io/library/busybox:latest' });
  });

  it('builds the last stage by default and prunes what --target does not need', function () {
    expect(plan(multi).target).to.deep.equal({ index: 2, name: 'final' });
    const p = plan(multi, { target: 'tools' });
    expect(p.pruned.map((s) => s.name)).to.deep.equal(['build', 'final']);
    expect(p.vertices.every((v) => v.stage === 1)).to.equal(true);
  });

  it('reports an unknown --target', function () {
    expect(plan(multi, { target: 'nope' }).diagnostics[0]).to.deep.include({ code: 'IR018' });
  });

  it('ignores value errors in stages the target does not need, as BuildKit does, unless asked for all stages', function () {
    const text = 'FROM alpine AS unused\nEXPOSE 99999\nFROM alpine\n';
    expect(errors(plan(text))).to.deep.equal([]);
    expect(errors(plan(text, { allStages: true }))).to.deep.equal(['2:8 IR011']);
  });

  it('chains cache keys: parent, op digest, inputs and the context paths to hash', function () {
    const p = plan('FROM alpine AS a\nRUN x\nFROM alpine\nCOPY --exclude=*.md src/ /src/\nCOPY --from=a /o /o\n');
    const [fromContext, fromStage] = ops(p, 'copy');
    expect(fromContext!.cacheKey).to.deep.include({ parent: fromContext!.deps[0], inputs: [], context: { paths: ['src/'], exclude: ['*.md'] } });
    expect(fromStage!.cacheKey).to.deep.include({ parent: fromContext!.id, inputs: [1], context: null });
    expect(fromStage!.cacheKey.op).to.match(/^sha256:[0-9a-f]{64}$/);
  });

  it('gives the same cache key inputs for the same Dockerfile, and different ones when an arg changes', function () {
    const text = 'FROM alpine\nARG V=1\nRUN make\n';
    const key = (o?: PlanOptions) => ops(plan(text, o), 'run')[0]!.cacheKey;
    expect(key()).to.deep.equal(key());
    expect(key({ buildArgs: { V: '2' } }).args).to.deep.equal({ V: '2' });
  });
});

describe('plan: errors', function () {
  it('reports each value error with its line and column', function () {
    const p = plan([
      'FROM $NOTHING AS dup',
      'FROM alpine AS a',
      'EXPOSE 70000',
      'HEALTHCHECK --interval=3 CMD x',
      'STOPSIGNAL SIGNOPE',
      'COPY --from=no_such!stage /a /b',
      'COPY --from=a /a /b',
      'FROM alpine AS DUP',
      '',
    ].join('\n'), { target: 'a' });
    expect(errors(p)).to.deep.equal(['1:6 IR003', '3:8 IR011', '4:24 IR012', '5:12 IR013', '6:13 IR004', '7:13 IR008']);
    expect(p.diagnostics.filter((d) => d.severity === 'warning').map((d) => d.code)).to.deep.equal(['IR006']);
  });

  it('warns instead of failing when a variable the base image may set is unset', function () {
    const onImage = plan('FROM jupyter/base\nWORKDIR "${HOME}"\n');
    expect(onImage.diagnostics.map((d) => [d.code, d.severity])).to.deep.equal([['IR014', 'warning']]);
    expect(onImage.diagnostics[0]!.message).to.include('HOME is not set by this Dockerfile; the base image may set it');
    expect(errors(plan('FROM scratch\nWORKDIR "${HOME}"\n'))).to.deep.equal(['2:9 IR014']);
    expect(plan('FROM jupyter/base\nWORKDIR "${HOME}"\n', { baseImageConfig: () => ({ Env: ['HOME=/home/jovyan'] }) }).diagnostics).to.deep.equal([]);
  });

  it('says which stage a cycle goes through', function () {
    const p = plan('FROM busybox AS one\nCOPY --from=two a b\nFROM busybox AS two\nCOPY --from=one a b\n');
    expect(p.diagnostics.map((d) => d.message)).to.deep.equal([
      'circular dependency detected on stage: one (through COPY --from=two)',
      'circular dependency detected on stage: one (through COPY --from=one)',
    ]);
  });

  it('includes the parser\'s diagnostics', function () {
    expect(plan('FROM alpine\nFOO bar\n').diagnostics[0]).to.deep.include({ code: 'DF001' });
  });

  it('never throws, even on text that is not a Dockerfile', function () {
    for (const text of ['', '\n', 'FROM', 'COPY --from=', 'FROM a AS b\nCOPY --from=b x y\n', 'ARG\nFROM ${', '\u0000\uffff']) {
      expect(() => plan(text)).not.to.throw();
    }
  });
});

describe('plan: documentation', function () {
  it('lists every IR diagnostic code in the package README', async function () {
    const { IR_DIAGNOSTIC_CODES } = await import('../src/index.js');
    const fs = await import('node:fs');
    const { repoRoot } = await import('./plan-fixtures.js');
    const readme = fs.readFileSync(`${repoRoot}/packages/ir/README.md`, 'utf8');
    for (const [code, { severity, name }] of Object.entries(IR_DIAGNOSTIC_CODES)) {
      expect(readme, code).to.include(`| \`${code}\` | ${severity} | ${name} |`);
    }
  });
});
