// dfc's own rules: what a build context and the stage graph can tell (missing sources,
// stages and ARGs nothing uses).
import type { Instruction } from '@dfc/syntax';
import type { Rule } from '../rule.js';
import { dfcRule } from './define.js';
import { contextSources, flag } from './buildkit.js';

export const STAGE_RULES: Rule[] = [
  dfcRule({
    id: 'CopySourceMissing',
    title: 'COPY or ADD source is not in the build context',
    severity: 'error',
    needsContext: true,
    why: 'A source path that matches nothing in the build context makes the build fail at that step, after everything before it has run.',
    bad: '# context holds only main.go\nFROM golang:1.23\nCOPY go.mod go.sum ./\n',
    good: '# context holds go.mod, go.sum and main.go\nFROM golang:1.23\nCOPY go.mod go.sum ./\n',
    check(ctx) {
      const view = ctx.context;
      if (!view) return;
      for (const { instr, source, path } of contextSources(ctx)) {
        if (path === '.' || view.exists(path)) continue;
        if (view.isIgnored(path)) continue; // CopyIgnoredFile says why
        ctx.report('CopySourceMissing', source.range, `${instr.name} source "${source.value}" does not exist in the build context`);
      }
    },
  }),
  dfcRule({
    id: 'UnusedStage',
    title: 'Stage is never used',
    severity: 'info',
    why: 'A stage without a name that no later FROM, COPY --from or RUN --mount uses is never built: it cannot be chosen with --target and the final stage does not need it. It is dead code, or a reference is missing. (Named stages are left alone: they may be built with --target.)',
    bad: 'FROM golang:1.23\nRUN go install golang.org/x/tools/gopls@v0.16.2\nFROM alpine:3.20\nCMD ["sh"]\n',
    good: 'FROM golang:1.23\nRUN go install golang.org/x/tools/gopls@v0.16.2\nFROM alpine:3.20\nCOPY --from=0 /go/bin/gopls /usr/local/bin/\n',
    check(ctx) {
      const stages = ctx.model.stages;
      if (stages.length < 2) return; // the last stage is the one built
      const used = new Set<number>();
      const refer = (v: string | undefined, before: number) => {
        if (v === undefined) return;
        const lower = v.toLowerCase();
        if (/^\d+$/.test(lower)) used.add(Number(lower));
        for (const s of stages) if (s.index < before && s.name === lower) used.add(s.index);
      };
      let variable = false;
      for (const s of stages) {
        if (s.baseStage) used.add(s.baseStage.index);
        for (const i of s.body) {
          if (i.flags.length === 0) continue;
          refer(flag(i, 'from')?.value, s.index + 1);
          for (const m of i.flags) {
            if ((m.name === 'from' || m.name === 'mount') && m.value?.includes('$')) variable = true;
            if (m.name !== 'mount' || !m.value) continue;
            const from = /(?:^|,)from=([^,]+)/.exec(m.value);
            refer(from?.[1], s.index);
          }
        }
      }
      // A variable in --from or FROM may name any stage: then say nothing.
      if (variable || stages.some((s) => !s.imageKnown && s.from.image?.value.includes('$'))) return;
      // A named stage may be built on its own with --target; an unnamed one cannot.
      for (const s of stages.slice(0, -1)) if (!used.has(s.index) && !s.name) ctx.report('UnusedStage', s.from.keywordRange, `Stage ${s.index} (FROM ${s.from.image?.value ?? ''}) is never used: no later stage refers to it, and without a name it cannot be a --target`);
    },
  }),
  dfcRule({
    id: 'UnusedArg',
    title: 'ARG is never used',
    severity: 'info',
    why: 'An ARG that nothing reads (no FROM, no later instruction, no RUN that could see it) does nothing: it is usually left over, or misspelled where it is used.',
    bad: 'ARG VERSION=1.0\nFROM alpine:3.20\nCMD ["sh"]\n',
    good: 'ARG VERSION=1.0\nFROM alpine:3.20\nARG VERSION\nLABEL org.opencontainers.image.version=$VERSION\n',
    check(ctx) {
      const { stages, globalArgs } = ctx.model;
      if (globalArgs.length === 0 && ctx.inStages('ARG').length === 0) return;
      globalArgs.forEach((g, k) => {
        for (const d of g.declarations) {
          const name = d.name.value;
          if (name.startsWith('BUILDKIT_')) continue; // read by the builder itself
          // globalArgs are in source order: a later global ARG's default may read it.
          const inFrom = stages.some((s) => mentions(s.from, name)) || globalArgs.some((o, j) => j > k && mentions(o, name));
          const redeclared = ctx.inStages('ARG').some((i) => i.declarations.some((x) => x.name.value === name));
          if (!inFrom && !redeclared) ctx.report('UnusedArg', d.name.range, `Global ARG '${name}' is not used by any FROM and not declared again in a stage`);
        }
      });
      for (const s of stages) {
        // RUN processes see every ARG: only the ARGs after a stage's last RUN may go unread.
        const lastRun = s.body.findLastIndex((x) => x.name === 'RUN' || (x.name === 'ONBUILD' && x.trigger?.name === 'RUN'));
        for (let k = lastRun + 1; k < s.body.length; k++) {
          const i = s.body[k]!;
          if (i.name !== 'ARG') continue;
          const later = s.body.slice(k + 1);
          for (const d of i.declarations) {
            const name = d.name.value;
            if (name.startsWith('BUILDKIT_')) continue;
            if (!later.some((x) => mentions(x, name))) ctx.report('UnusedArg', d.name.range, `ARG '${name}' is not used in its stage`);
          }
        }
      }
    },
  }),
];

function mentions(i: Instruction, name: string): boolean {
  const t = i.text;
  let at = t.indexOf('$');
  while (at >= 0) {
    const start = t.startsWith('{', at + 1) ? at + 2 : at + 1;
    if (t.startsWith(name, start) && !/[A-Za-z0-9_]/.test(t[start + name.length] ?? '')) return true;
    at = t.indexOf('$', at + 1);
  }
  return false;
}
