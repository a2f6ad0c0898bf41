// hadolint's rules about instructions (not RUN's commands), under their DL codes, in our own words.
import type { CommandInstruction, CopyInstruction, Instruction, Range, Word } from '@dfc/syntax';
import { expandWord, parseImageReference } from '@dfc/ir';
import { stageOf, type StageModel } from '../model.js';
import { firstLine, type Rule, type RuleContext } from '../rule.js';
import { hadolintRule } from './define.js';
import { flag, secretNames } from './buildkit.js';

export const INSTRUCTION_RULES: Rule[] = [
  hadolintRule({
    id: 'DL3000',
    title: 'Use an absolute WORKDIR',
    severity: 'error',
    why: 'A relative WORKDIR depends on whatever directory came before it, which makes the result hard to predict.',
    bad: 'FROM alpine\nWORKDIR app\n',
    good: 'FROM alpine\nWORKDIR /app\n',
    check(ctx) {
      for (const i of ctx.inStages('WORKDIR')) {
        if (!i.value) continue;
        const v = known(ctx, i, i.value);
        if (v !== undefined && !v.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(v)) ctx.report('DL3000', i.value.range, `Use absolute WORKDIR (got '${v}')`);
      }
    },
  }),
  hadolintRule({
    id: 'DL3002',
    title: 'The last USER should not be root',
    severity: 'warning',
    why: 'A container that runs as root gives any exploit in it root inside the container. Switch to an unprivileged user at the end of the final stage.',
    bad: 'FROM alpine\nUSER root\nRUN apk add --no-cache curl\n',
    good: 'FROM alpine\nUSER root\nRUN apk add --no-cache curl\nUSER 10001\n',
    check(ctx) {
      const last = ctx.model.stages[ctx.model.stages.length - 1];
      if (!last || ctx.inStages('USER').length === 0) return;
      const users = last.body.filter((i) => i.name === 'USER');
      const u = users[users.length - 1];
      if (!u || u.name !== 'USER' || !u.value) return;
      const name = u.value.value.split(':')[0];
      if (name === 'root' || name === '0') ctx.report('DL3002', firstLine(ctx, u), 'Last USER should not be root');
    },
  }),
  hadolintRule({
    id: 'DL3006',
    title: 'Tag the image version explicitly',
    severity: 'warning',
    why: 'Without a tag, FROM takes whatever `latest` is on the day of the build, so two builds of one Dockerfile can differ.',
    bad: 'FROM debian\n',
    good: 'FROM debian:12.5\n',
    check(ctx) {
      for (const s of ctx.model.stages) {
        const ref = imageRef(s, ctx.model.stages);
        if (ref && ref.tagWritten === undefined && ref.digest === undefined) ctx.report('DL3006', s.from.image!.range, `Always tag the version of an image explicitly (${s.image})`);
      }
    },
  }),
  hadolintRule({
    id: 'DL3007',
    title: 'Do not use the latest tag',
    severity: 'warning',
    why: '`latest` moves: the image you tested with is not the one the next build gets. Pin a version (or a digest).',
    bad: 'FROM debian:latest\n',
    good: 'FROM debian:12.5\n',
    check(ctx) {
      for (const s of ctx.model.stages) {
        const ref = imageRef(s, ctx.model.stages);
        if (ref?.tagWritten === 'latest' && ref.digest === undefined) ctx.report('DL3007', s.from.image!.range, 'Using latest is prone to errors if the image will ever update. Pin the version explicitly to a release tag');
      }
    },
  }),
  hadolintRule({
    id: 'DL3011',
    title: 'Ports must be between 0 and 65535',
    severity: 'error',
    why: 'TCP and UDP ports are 16-bit numbers; anything larger is a typo.',
    bad: 'FROM alpine\nEXPOSE 80800\n',
    good: 'FROM alpine\nEXPOSE 8080\n',
    check(ctx) {
      for (const i of ctx.ofKind('EXPOSE')) {
        for (const w of i.items) {
          const v = known(ctx, i, w);
          if (v === undefined) continue;
          const port = v.split('/')[0]!.split(':').pop()!;
          for (const n of port.split('-')) if (/^\d+$/.test(n) && Number(n) > 65535) ctx.report('DL3011', w.range, `Valid UNIX ports range from 0 to 65535 (got ${n})`);
        }
      }
    },
  }),
  hadolintRule({
    id: 'DL3012',
    title: 'One HEALTHCHECK per stage',
    severity: 'error',
    why: 'Only the last HEALTHCHECK of a stage takes effect; the others are dead code.',
    bad: 'FROM alpine\nHEALTHCHECK CMD a\nHEALTHCHECK CMD b\n',
    good: 'FROM alpine\nHEALTHCHECK CMD b\n',
    check(ctx) {
      if (ctx.ofKind('HEALTHCHECK').length < 2) return;
      for (const s of ctx.model.stages) for (const i of s.body.filter((x) => x.name === 'HEALTHCHECK').slice(1)) ctx.report('DL3012', firstLine(ctx, i), 'Multiple HEALTHCHECK instructions');
    },
  }),
  hadolintRule({
    id: 'DL3020',
    title: 'Use COPY instead of ADD for files and folders',
    severity: 'error',
    why: 'ADD also fetches URLs and unpacks archives. For plain files COPY says exactly what happens and nothing more.',
    bad: 'FROM alpine\nADD app.conf /etc/app.conf\n',
    good: 'FROM alpine\nCOPY app.conf /etc/app.conf\n',
    check(ctx) {
      for (const c of ctx.ofKind('ADD')) {
        const i = c;
        if (c.sources.length === 0 || c.sources.some((w) => isUrl(w.value) || isArchive(w.value) || w.value.startsWith('<<') || w.value.includes('$'))) continue;
        const addOnly = c.flags.some((f) => ['checksum', 'keep-git-dir', 'unpack'].includes(f.name));
        ctx.report('DL3020', firstLine(ctx, i), 'Use COPY instead of ADD for files and folders', addOnly ? undefined : { title: 'Use COPY', edits: [{ range: i.keywordRange, newText: i.keyword === 'add' ? 'copy' : 'COPY' }] });
      }
    },
  }),
  hadolintRule({
    id: 'DL3021',
    title: 'COPY with several sources needs a destination ending in /',
    severity: 'error',
    why: 'With more than one source the destination must be a directory, and the trailing slash says so; without it the build fails.',
    bad: 'FROM alpine\nCOPY a.txt b.txt /data\n',
    good: 'FROM alpine\nCOPY a.txt b.txt /data/\n',
    check(ctx) {
      for (const c of ctx.ofKind('COPY')) {
        const d = c.destination;
        if (c.sources.length < 2 || !d || d.value.includes('$')) continue;
        const v = d.value.replace(/^["']|["']$/g, '');
        if (!v.endsWith('/')) ctx.report('DL3021', d.range, 'COPY with more than 2 arguments requires the last argument to end with /', { title: 'Add a trailing /', edits: [{ range: { start: d.range.end, end: d.range.end }, newText: '/' }] });
      }
    },
  }),
  hadolintRule({
    id: 'DL3022',
    title: 'COPY --from should name an earlier stage',
    severity: 'warning',
    why: '`--from=name` that matches no earlier stage is taken as an image name and pulled, which is rarely what was meant.',
    bad: 'FROM alpine\nCOPY --from=build /app /app\n',
    good: 'FROM golang AS build\nFROM alpine\nCOPY --from=build /app /app\n',
    check(ctx) {
      if (!copiesFrom(ctx)) return;
      for (const s of ctx.model.stages)
        for (const i of s.body) {
          const f = i.name === 'COPY' ? flag(i, 'from') : undefined;
          if (!f?.value || f.value.includes('$')) continue;
          const v = f.value.toLowerCase();
          if (/^\d+$/.test(v) ? Number(v) < s.index : ctx.model.stages.some((o) => o.index < s.index && o.name === v)) continue;
          if (/[:/.@]/.test(v) || ctx.model.stages.some((o) => o.name === v)) continue;
          ctx.report('DL3022', f.range, `COPY --from should reference a previously defined FROM alias (got '${f.value}')`);
        }
    },
  }),
  hadolintRule({
    id: 'DL3023',
    title: 'COPY --from cannot name its own stage',
    severity: 'error',
    why: 'A stage cannot copy from itself: it does not exist yet while it is being built.',
    bad: 'FROM alpine AS app\nCOPY --from=app /a /b\n',
    good: 'FROM alpine AS build\nFROM alpine AS app\nCOPY --from=build /a /b\n',
    check(ctx) {
      if (!copiesFrom(ctx)) return;
      for (const s of ctx.model.stages)
        for (const i of s.body) {
          const f = i.name === 'COPY' ? flag(i, 'from') : undefined;
          if (f?.value && s.name && f.value.toLowerCase() === s.name) ctx.report('DL3023', f.range, 'COPY --from cannot reference its own FROM alias');
        }
    },
  }),
  hadolintRule({
    id: 'DL3024',
    title: 'FROM aliases must be unique',
    severity: 'error',
    why: 'With two stages of one name, `--from=` and `--target` pick one silently.',
    bad: 'FROM alpine AS build\nFROM debian AS build\n',
    good: 'FROM alpine AS build\nFROM debian AS test\n',
    check(ctx) {
      const seen = new Set<string>();
      for (const s of ctx.model.stages) {
        if (!s.name) continue;
        if (seen.has(s.name)) ctx.report('DL3024', s.from.stageName!.range, `Duplicate FROM alias '${s.name}'`);
        seen.add(s.name);
      }
    },
  }),
  hadolintRule({
    id: 'DL3025',
    title: 'Use JSON notation for CMD and ENTRYPOINT',
    severity: 'warning',
    why: 'In shell form the process runs under `/bin/sh -c` as a child of the shell and does not receive stop signals.',
    bad: 'FROM alpine\nENTRYPOINT ./server --port 80\n',
    good: 'FROM alpine\nENTRYPOINT ["./server", "--port", "80"]\n',
    check(ctx) {
      for (const kind of ['CMD', 'ENTRYPOINT'] as const)
        for (const i of ctx.ofKind(kind)) if (i.command?.form === 'shell') ctx.report('DL3025', i.command.range, `Use arguments JSON notation for ${i.name} arguments`);
    },
  }),
  hadolintRule({
    id: 'DL3026',
    title: 'Use only trusted registries',
    severity: 'error',
    why: 'When the config lists trusted registries, a base image from anywhere else is a supply-chain risk.',
    bad: '# trustedRegistries: [registry.example.com]\nFROM docker.io/library/alpine:3.20\n',
    good: '# trustedRegistries: [registry.example.com]\nFROM registry.example.com/alpine:3.20\n',
    check(ctx) {
      const trusted = ctx.config.trustedRegistries;
      if (!trusted?.length) return;
      const check = (image: string, range: Range, where: string) => {
        const ref = parseImageReference(image);
        if (!ref.ok) return;
        const domain = ref.value.domain;
        const ok = trusted.some((t) => t === domain || (domain === 'docker.io' && (t === 'docker.io' || t === 'hub.docker.com' || t === 'index.docker.io')) || (t.startsWith('*.') && domain.endsWith(t.slice(1))) || t === '*');
        if (!ok) ctx.report('DL3026', range, `Use only an allowed registry in the ${where} image (${domain} is not in ${trusted.join(', ')})`);
      };
      for (const s of ctx.model.stages) {
        if (!s.baseStage && s.imageKnown && s.image && s.image.toLowerCase() !== 'scratch') check(s.image, s.from.image!.range, 'FROM');
        // COPY --from=<image> pulls an image too (a stage name or index does not).
        for (const i of s.body) {
          const f = i.name === 'COPY' || i.name === 'ADD' ? flag(i, 'from') : undefined;
          if (!f?.value || f.value.includes('$') || /^\d+$/.test(f.value) || ctx.model.stages.some((o) => o.name === f.value!.toLowerCase())) continue;
          if (/[:/.@]/.test(f.value)) check(f.value, f.range, 'COPY --from');
        }
      }
    },
  }),
  hadolintRule({
    id: 'DL3029',
    title: 'Do not fix the platform in FROM',
    severity: 'warning',
    why: 'A constant `--platform` pins the stage to one architecture; pass the platform at build time instead.',
    bad: 'FROM --platform=linux/amd64 alpine\n',
    good: 'FROM --platform=$BUILDPLATFORM alpine\n',
    check(ctx) {
      for (const s of ctx.model.stages) {
        const f = flag(s.from, 'platform');
        if (f?.value !== undefined && !f.value.includes('$')) ctx.report('DL3029', f.range, 'Do not use --platform flag with FROM');
      }
    },
  }),
  hadolintRule({
    id: 'DL3043',
    title: 'ONBUILD cannot trigger ONBUILD, FROM or MAINTAINER',
    severity: 'error',
    why: 'The builder rejects these triggers; they would only fail later, in the image built on this one.',
    bad: 'FROM alpine\nONBUILD FROM debian\n',
    good: 'FROM alpine\nONBUILD COPY . /src\n',
    check(ctx) {
      if (ctx.ofKind('ONBUILD').length === 0) return;
      for (const i of ctx.ast.instructions)
        if (i.name === 'ONBUILD' && i.trigger && ['ONBUILD', 'FROM', 'MAINTAINER'].includes(i.trigger.name ?? ''))
          ctx.report('DL3043', i.trigger.keywordRange, `${i.trigger.name} is not allowed as an ONBUILD trigger`);
    },
  }),
  hadolintRule({
    id: 'DL3044',
    title: 'Do not use a variable in the ENV that defines it',
    severity: 'error',
    why: 'All values of one ENV are expanded before any is set, so `ENV A=1 B=$A` sees the old A, not 1.',
    bad: 'FROM alpine\nENV HOME=/app DATA=$HOME/data\n',
    good: 'FROM alpine\nENV HOME=/app\nENV DATA=$HOME/data\n',
    check(ctx) {
      for (const i of ctx.ofKind('ENV')) {
        if (i.pairs.length < 2) continue;
        const defined = new Set<string>();
        for (const p of i.pairs) {
          if (p.value.value.includes('$')) for (const name of varsIn(p.value.value)) if (defined.has(name) && !ctx.scope(i).declared(name)) ctx.report('DL3044', p.value.range, `Do not refer to an environment variable within the same ENV statement where it is defined ($${name})`);
          defined.add(p.key.value);
        }
      }
    },
  }),
  hadolintRule({
    id: 'DL3045',
    title: 'COPY to a relative path needs a WORKDIR',
    severity: 'warning',
    why: "Without a WORKDIR in the stage, a relative destination lands in the base image's working directory, which you do not control. (A stage built FROM scratch has no base image: its working directory is /.)",
    bad: 'FROM node:20\nCOPY package.json .\n',
    good: 'FROM node:20\nWORKDIR /app\nCOPY package.json .\n',
    check(ctx) {
      if (ctx.inStages('COPY').length === 0) return;
      for (const s of ctx.model.stages) {
        if (builtFromScratch(s)) continue;
        let workdir = hasWorkdir(s.baseStage);
        for (const i of s.body) {
          if (i.name === 'WORKDIR') workdir = true;
          if (i.name !== 'COPY' || workdir) continue;
          const d = (i as CopyInstruction).destination;
          if (!d) continue;
          const v = d.value.replace(/^["']|["']$/g, '');
          if (v.startsWith('/') || v.startsWith('$') || /^[A-Za-z]:[\\/]/.test(v)) continue;
          ctx.report('DL3045', d.range, 'COPY to a relative destination without WORKDIR set');
        }
      }
    },
  }),
  hadolintRule({
    id: 'DL3057',
    title: 'The image has no HEALTHCHECK',
    severity: 'info',
    enabledByDefault: false,
    why: 'Without a HEALTHCHECK an orchestrator can only tell whether the process runs, not whether it works. Off by default: many images are checked from outside.',
    bad: 'FROM nginx:1.27\n',
    good: 'FROM nginx:1.27\nHEALTHCHECK CMD curl -fsS http://localhost/ || exit 1\n',
    check(ctx) {
      const last = ctx.model.stages[ctx.model.stages.length - 1];
      if (!last) return;
      for (let s: StageModel | undefined = last; s; s = s.baseStage) if (s.body.some((i) => i.name === 'HEALTHCHECK')) return;
      ctx.report('DL3057', last.from.keywordRange, 'HEALTHCHECK instruction missing');
    },
  }),
  hadolintRule({
    id: 'DL3059',
    title: 'Consolidate consecutive RUN instructions',
    severity: 'info',
    why: 'Each RUN makes a layer. Consecutive RUNs that belong together are smaller and faster as one (unless you want them cached apart). As in hadolint, a RUN that already chains more than two commands reads as a deliberate step of its own: it and the RUN after it are not reported.',
    bad: 'FROM alpine\nRUN apk add --no-cache curl\nRUN apk add --no-cache git\n',
    good: 'FROM alpine\nRUN apk add --no-cache curl git\n',
    check(ctx) {
      if (ctx.inStages('RUN').length < 2) return;
      for (const s of ctx.model.stages) {
        let prev: Instruction | undefined;
        for (const i of s.body) {
          if (i.name === 'RUN' && prev?.name === 'RUN' && sameFlags(prev, i) && i.heredocs.length === 0 && prev.heredocs.length === 0 && !chains(ctx, prev) && !chains(ctx, i))
            ctx.report('DL3059', firstLine(ctx, i), 'Multiple consecutive `RUN` instructions. Consider consolidation.');
          prev = i;
        }
      }
    },
  }),
  hadolintRule({
    id: 'DL3061',
    title: 'A Dockerfile starts with FROM or ARG',
    severity: 'error',
    why: 'Only ARG may come before the first FROM; anything else has no stage to act on and the build rejects it.',
    bad: 'RUN echo hi\nFROM alpine\n',
    good: 'FROM alpine\nRUN echo hi\n',
    check(ctx) {
      for (const i of ctx.model.beforeFrom) if (i.name !== undefined) ctx.report('DL3061', i.keywordRange, 'Invalid instruction order. Dockerfile must begin with `FROM`, `ARG` or comment.');
    },
  }),
  hadolintRule({
    id: 'DL3063',
    title: 'Do not name a stage scratch or context',
    severity: 'error',
    why: 'These names already mean the empty image and the build context; a stage named so is confusing.',
    bad: 'FROM alpine AS context\n',
    good: 'FROM alpine AS base\n',
    check(ctx) {
      for (const s of ctx.model.stages) if (s.name === 'scratch' || s.name === 'context') ctx.report('DL3063', s.from.stageName!.range, `Reserved word '${s.name}' used as a stage name`);
    },
  }),
  hadolintRule({
    id: 'DL3064',
    title: 'Do not write secrets into ARG or ENV',
    severity: 'warning',
    why: 'A secret given as an ARG default or ENV value is stored in the Dockerfile and in the image history for anyone to read.',
    bad: 'FROM alpine\nENV DB_PASSWORD=hunter2\n',
    good: 'FROM alpine\nRUN --mount=type=secret,id=db_password ./setup.sh\n',
    check(ctx) {
      for (const { instr, name, value } of secretNames(ctx)) if (value) secretValue(ctx, instr, name, value);
    },
  }),
  hadolintRule({
    id: 'DL3065',
    title: 'FROM --platform=$TARGETPLATFORM is redundant',
    severity: 'info',
    why: 'Stages are built for the target platform already; the flag adds noise.',
    bad: 'FROM --platform=$TARGETPLATFORM alpine\n',
    good: 'FROM alpine\n',
    check(ctx) {
      for (const s of ctx.model.stages) {
        const f = flag(s.from, 'platform');
        if (f?.value === '$TARGETPLATFORM' || f?.value === '${TARGETPLATFORM}') ctx.report('DL3065', f.range, 'Setting `FROM --platform` to the predefined `$TARGETPLATFORM` is redundant');
      }
    },
  }),
  hadolintRule({
    id: 'DL3066',
    title: 'Use a numeric UID in the final USER',
    severity: 'info',
    why: 'Orchestrators that enforce non-root (e.g. Kubernetes runAsNonRoot) can check a numeric UID but not a user name.',
    bad: 'FROM alpine\nUSER app\n',
    good: 'FROM alpine\nUSER 10001\n',
    check(ctx) {
      if (ctx.inStages('USER').length === 0) return;
      const last = ctx.model.stages[ctx.model.stages.length - 1];
      const u = last?.body.filter((i) => i.name === 'USER').pop();
      if (!u || u.name !== 'USER' || !u.value) return;
      const name = u.value.value.split(':')[0]!;
      if (!/^\d+$/.test(name) && !name.includes('$') && name !== 'root') ctx.report('DL3066', u.value.range, `USER '${name}' is not a numeric UID`);
    },
  }),
  hadolintRule({
    id: 'DL3067',
    title: 'Do not copy the whole file system of another image',
    severity: 'warning',
    why: 'COPY --from=stage / copies every file of a stage this Dockerfile builds, its base image included: package databases, caches, a whole distribution. Copy what you need. Not reported: a stage built FROM scratch (it holds only what the Dockerfile put there), and an image named directly or through a stage with no instructions, since images made to be copied whole (cross-compilation helpers such as tonistiigi/xx, static tool images) are used that way; and `FROM scratch` + `COPY --from=stage / /`, which squashes a stage into one layer.',
    bad: 'FROM golang:1.23 AS build\nRUN go build -o /out/app .\nFROM alpine:3.20\nCOPY --from=build / /\n',
    good: 'FROM golang AS build\nRUN go build -o /out/app .\nFROM scratch AS out\nCOPY --from=build /out/app /app\nFROM alpine\nCOPY --from=out / /usr/local/bin/\n',
    check(ctx) {
      for (const i of [...ctx.ofKind('COPY'), ...ctx.ofKind('ADD')]) {
        const from = flag(i, 'from');
        if (!from?.value) continue;
        // An ONBUILD trigger runs in a build on this image: its --from names that build's stages.
        const into = stageOf(ctx.model, i);
        if (!into) continue;
        const stage = namedStage(ctx, into, from.value);
        if (!stage || builtFromScratch(stage) || !buildsSomething(stage)) continue;
        if (builtFromScratch(into) && i.destination?.value === '/') continue; // squashing a stage
        for (const src of i.sources) if (src.value === '/' || src.value === '/.') ctx.report('DL3067', src.range, `${i.name} --from copies the whole file system of ${flag(i, 'from')!.value}`);
      }
    },
  }),
  hadolintRule({
    id: 'DL4000',
    title: 'MAINTAINER is deprecated',
    severity: 'error',
    why: 'Image authors are recorded with the `org.opencontainers.image.authors` label now.',
    bad: 'FROM alpine\nMAINTAINER jo@example.com\n',
    good: 'FROM alpine\nLABEL org.opencontainers.image.authors="jo@example.com"\n',
    check(ctx) {
      for (const i of ctx.ofKind('MAINTAINER')) ctx.report('DL4000', i.keywordRange, 'MAINTAINER is deprecated');
    },
  }),
  hadolintRule({
    id: 'DL4003',
    title: 'One CMD per stage',
    severity: 'warning',
    why: 'Only the last CMD of a stage takes effect.',
    bad: 'FROM alpine\nCMD ["a"]\nCMD ["b"]\n',
    good: 'FROM alpine\nCMD ["b"]\n',
    check(ctx) {
      if (ctx.ofKind('CMD').length < 2) return;
      for (const s of ctx.model.stages) for (const i of s.body.filter((x) => x.name === 'CMD').slice(1)) ctx.report('DL4003', firstLine(ctx, i), 'Multiple CMD instructions found. If you list more than one CMD then only the last CMD will take effect');
    },
  }),
  hadolintRule({
    id: 'DL4004',
    title: 'One ENTRYPOINT per stage',
    severity: 'error',
    why: 'Only the last ENTRYPOINT of a stage takes effect.',
    bad: 'FROM alpine\nENTRYPOINT ["a"]\nENTRYPOINT ["b"]\n',
    good: 'FROM alpine\nENTRYPOINT ["b"]\n',
    check(ctx) {
      if (ctx.ofKind('ENTRYPOINT').length < 2) return;
      for (const s of ctx.model.stages) for (const i of s.body.filter((x) => x.name === 'ENTRYPOINT').slice(1)) ctx.report('DL4004', firstLine(ctx, i), 'Multiple ENTRYPOINT instructions found. If you list more than one ENTRYPOINT then only the last ENTRYPOINT will take effect');
    },
  }),
];

/** DL3064: a secret-looking name given a value that looks like one. */
function secretValue(ctx: RuleContext, i: Instruction, k: Word, v: Word): void {
  const value = v.value.replace(/^["']|["']$/g, '');
  // Public key fingerprints, file paths and on/off switches are not secrets.
  if (value === '' || value.startsWith('$') || /^[./~]/.test(value) || /^(0|1|true|false|yes|no|on|off)$/i.test(value)) return;
  if (k.value.toLowerCase().split('_').some((t) => t === 'gpg' || t === 'pgp' || t === 'fingerprint')) return;
  ctx.report('DL3064', v.range, `Sensitive data in ${i.name} ${k.value}: its value is stored in the image`);
}

/** The value of a word with the variables known at the instruction; undefined when a variable's value is unknown. */
export function known(ctx: RuleContext, i: Instruction, w: Word): string | undefined {
  const scope = ctx.scope(i);
  const x = expandWord(w.value, scope, { escapeChar: ctx.model.escapeChar });
  if (!x.ok) return undefined;
  for (const n of x.read) if (scope.get(n) === undefined) return undefined;
  return x.value;
}

interface BaseRef {
  tagWritten: string | undefined;
  digest: string | undefined;
}

/** The base image's tag as written, for stages on an image whose name is fully known. */
function imageRef(s: StageModel, stages: StageModel[]): BaseRef | undefined {
  if (!s.from.image || s.baseStage || !s.image || !s.imageKnown) return undefined;
  const lower = s.image.toLowerCase();
  if (lower === 'scratch' || stages.some((o) => o.name === lower)) return undefined;
  const at = s.image.indexOf('@');
  const digest = at >= 0 ? s.image.slice(at + 1) : undefined;
  const name = at >= 0 ? s.image.slice(0, at) : s.image;
  const colon = name.lastIndexOf(':');
  const tagWritten = colon > name.lastIndexOf('/') ? name.slice(colon + 1) : undefined;
  return { tagWritten, digest };
}

/** The stage before `here` that `--from=` names (by name or by index), as a build finds it. */
function namedStage(ctx: RuleContext, here: StageModel, value: string): StageModel | undefined {
  const stages = ctx.model.stages;
  const at = here.index;
  if (/^\d+$/.test(value)) return Number(value) < at ? stages[Number(value)] : undefined;
  const lower = value.toLowerCase();
  for (let k = at - 1; k >= 0; k--) if (stages[k]!.name === lower) return stages[k];
  return undefined;
}

/** The stage and the stages it builds on start from scratch: it holds only what the Dockerfile put in it. */
function builtFromScratch(stage: StageModel): boolean {
  let s = stage;
  while (s.baseStage) s = s.baseStage;
  return s.imageKnown && s.image?.toLowerCase() === 'scratch';
}

/** The stage or a stage it builds on has instructions of its own (it is not just a name for an image). */
function buildsSomething(stage: StageModel): boolean {
  for (let s: StageModel | undefined = stage; s; s = s.baseStage) if (s.body.length > 0) return true;
  return false;
}

/** Some COPY of a stage has --from (most files have none). */
function copiesFrom(ctx: RuleContext): boolean {
  return ctx.inStages('COPY').some((i) => flag(i, 'from') !== undefined);
}

/** A shell-form RUN runs more than two commands (`a && b && c`). */
function chains(ctx: RuleContext, run: CommandInstruction): boolean {
  const text = run.command?.form === 'shell' ? run.command.text.value : '';
  // One command needs no parse: nothing separates a second one.
  if (!/[;&|\n`]|\$\(/.test(text)) return false;
  return (ctx.shell(run, true)?.written ?? 0) > 2;
}

function hasWorkdir(stage: StageModel | undefined): boolean {
  for (let s = stage; s; s = s.baseStage) if (s.body.some((i) => i.name === 'WORKDIR')) return true;
  return false;
}

function sameFlags(a: Instruction, b: Instruction): boolean {
  if (a.flags.length === 0 && b.flags.length === 0) return true;
  return a.flags.map((f) => f.text).join(' ') === b.flags.map((f) => f.text).join(' ');
}

export function isUrl(v: string): boolean {
  return /^(https?|ftp|git|ssh):\/\//i.test(v) || /^git@/.test(v);
}

export const ARCHIVE = /\.(tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst|tzst|tar\.lz|tar\.lzma|tlz|gz|bz2|xz|zst|lz|lzma|z)$/i;

export function isArchive(v: string): boolean {
  return ARCHIVE.test(v.replace(/["']/g, ''));
}

function varsIn(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\$\{?([A-Za-z_]\w*)/g)) out.push(m[1]!);
  return out;
}
