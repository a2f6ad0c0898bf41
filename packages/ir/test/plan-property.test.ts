// Property tests: on random Dockerfile-like text the planner never throws, gives the same bytes
// twice, keeps its graph in dependency order, and points every diagnostic inside the text.
import { expect } from 'chai';
import fc from 'fast-check';
import { formatPlan, planDockerfile } from '../src/index.js';

/** Lines that exercise stages, references, variables and values, so random files hit the planner's corners. */
const lines = [
  'FROM alpine', 'FROM alpine AS a', 'FROM a AS b', 'FROM b', 'FROM scratch', 'FROM $BASE', 'FROM --platform=$BUILDPLATFORM a',
  'ARG BASE=alpine', 'ARG A', 'ARG A=$A-x', 'ENV A=1 B=$A', 'ENV $A=x', 'LABEL k=$A', 'WORKDIR $A', 'WORKDIR rel', 'USER $A',
  'COPY --from=a x y', 'COPY --from=b x y', 'COPY --from=0 x y', 'COPY --from=9 x y', 'COPY --from=$A x y', 'COPY --from=busybox x y',
  'COPY . .', 'COPY <<EOF /f\n$A\nEOF', 'ADD https://x/y.tgz /', 'RUN --mount=from=a,target=/m true', 'RUN --mount=type=cache,target=$A x',
  'RUN <<EOF\n#!/bin/sh\nEOF', 'RUN ["a"]', 'CMD x', 'ENTRYPOINT ["e"]', 'SHELL ["/bin/bash", "-c"]', 'EXPOSE 80 $A 1-3/udp 99999',
  'VOLUME $A /v', 'STOPSIGNAL $A', 'HEALTHCHECK --interval=1s CMD x', 'HEALTHCHECK --retries=$A NONE', 'ONBUILD RUN x',
  'ONBUILD COPY --from=a x y', 'MAINTAINER m', 'EXPOSE', '${', '# c',
];

const dockerfile = fc.array(fc.oneof(fc.constantFrom(...lines), fc.string({ maxLength: 8 })), { maxLength: 25 }).map((l) => l.join('\n') + '\n');
const options = fc.record({
  buildArgs: fc.dictionary(fc.constantFrom('A', 'BASE', 'HTTP_PROXY', 'X'), fc.constantFrom('', 'v', 'a b', '$A')),
  target: fc.option(fc.constantFrom('a', 'b', 'nope'), { nil: undefined }),
  allStages: fc.boolean(),
});

describe('planner properties', function () {
  it('never throws, is deterministic, keeps dependency order and ranges inside the text', function () {
    fc.assert(
      fc.property(dockerfile, options, (text, opts) => {
        const clean = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
        const plan = planDockerfile(text, clean);
        expect(formatPlan(planDockerfile(text, clean))).to.equal(formatPlan(plan));
        for (const v of plan.vertices) for (const d of v.deps) expect(d).to.be.below(v.id);
        for (const d of plan.diagnostics) {
          expect(d.range.start.offset).to.be.within(0, text.length);
          expect(d.range.end.offset).to.be.within(d.range.start.offset, text.length);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('a diagnostics-only plan has the same diagnostics as the full plan', function () {
    fc.assert(
      fc.property(dockerfile, options, (text, opts) => {
        const clean = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
        expect(planDockerfile(text, { ...clean, diagnosticsOnly: true }).diagnostics).to.deep.equal(planDockerfile(text, clean).diagnostics);
      }),
      { numRuns: 1000 },
    );
  });
});
