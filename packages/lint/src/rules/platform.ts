// BuildKit's build-time check InvalidBaseImagePlatform: the base image the stage names exists for
// another OS or architecture than the one the stage is built for. Lint can say it only when the
// caller can look at the image (`LintOptions.images`, e.g. the dfc store); otherwise it is silent.
import { expandWord, formatPlatform, parsePlatform, type Platform } from '@dfc/ir';
import type { Rule } from '../rule.js';
import { buildkitRule } from './define.js';
import { flag } from './buildkit.js';

export const PLATFORM_RULES: Rule[] = [
  buildkitRule({
    id: 'InvalidBaseImagePlatform',
    title: 'Base image platform does not match the stage',
    severity: 'warning',
    url: 'https://docs.docker.com/reference/build-checks/',
    why: 'A stage built for one platform on a base image made for another runs its RUN steps under emulation, or fails with "exec format error", and the image it makes mixes architectures. Usually the wrong tag or digest was pinned, or --platform was forgotten.',
    bad: '# the local arm64v8/alpine:3.20 is linux/arm64; the build is for linux/amd64\nFROM arm64v8/alpine:3.20\n',
    good: 'FROM --platform=linux/arm64 arm64v8/alpine:3.20\n',
    check(ctx) {
      const images = ctx.images;
      if (!images) return;
      const globals = ctx.model.globalScope;
      const target = parsePlatform(globals.get('TARGETPLATFORM') ?? '');
      for (const s of ctx.model.stages) {
        if (s.baseStage || !s.imageKnown || s.image === undefined || s.image.toLowerCase() === 'scratch') continue;
        let wanted: Platform | undefined = target;
        const f = flag(s.from, 'platform');
        if (f?.value !== undefined) {
          const x = expandWord(f.value, globals, { escapeChar: ctx.model.escapeChar, skipUnset: true });
          wanted = x.ok && x.read.every((n) => globals.get(n) !== undefined) ? parsePlatform(x.value) : undefined;
        }
        const actual = wanted && images(s.image);
        if (!wanted || !actual || samePlatform(wanted, actual)) continue;
        const range = s.from.image?.range ?? s.from.keywordRange;
        ctx.report('InvalidBaseImagePlatform', range, `Base image ${s.image} was pulled with platform "${formatPlatform(actual)}", expected "${formatPlatform(wanted)}" for current build`);
      }
    },
  }),
];

/** Same OS and architecture; variants count only when both sides name one (arm/v7 ≠ arm/v6). */
function samePlatform(a: Platform, b: Platform): boolean {
  const normal = parsePlatform(formatPlatform(b)) ?? b;
  if (a.os !== normal.os || a.architecture !== normal.architecture) return false;
  return a.variant === undefined || normal.variant === undefined || a.variant === normal.variant;
}
