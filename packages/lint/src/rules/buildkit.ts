// BuildKit's build checks (`docker build --check`), under BuildKit's names, in our own words.
import type { CommandInstruction, Comment, Flag, Instruction, KeyValueInstruction, Word } from '@dfc/syntax';
import { commentsAbove } from '../model.js';
import { expandWord, parseImageReference, parsePlatform } from '@dfc/ir';
import { firstLine, type Rule, type RuleContext } from '../rule.js';
import { closest } from '../suggest.js';
import { buildkitRule } from './define.js';

/** No letter of `s` is lower case (a keyword: ASCII but for typos, whose case is then read with toUpperCase). */
function isUpper(s: string): boolean {
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c > 127) return s === s.toUpperCase();
    if (c >= 0x61 && c <= 0x7a) return false;
  }
  return true;
}

/** No letter of `s` is upper case. */
function isLower(s: string): boolean {
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c > 127) return s === s.toLowerCase();
    if (c >= 0x41 && c <= 0x5a) return false;
  }
  return true;
}

export const BUILDKIT_RULES: Rule[] = [
  buildkitRule({
    id: 'StageNameCasing',
    title: 'Stage names should be lowercase',
    severity: 'warning',
    why: 'Builds compare stage names in lower case, so `AS Builder` and `--from=builder` name the same stage. Mixed case suggests a distinction that does not exist.',
    bad: 'FROM alpine AS Builder\n',
    good: 'FROM alpine AS builder\n',
    check(ctx) {
      for (const s of ctx.model.stages) {
        const w = s.from.stageName;
        if (w && !isLower(w.value))
          ctx.report('StageNameCasing', w.range, `Stage name '${w.value}' should be lowercase`, {
            title: `Rename the stage to '${w.value.toLowerCase()}'`,
            edits: [{ range: w.range, newText: w.value.toLowerCase() }],
          });
      }
    },
  }),
  buildkitRule({
    id: 'FromAsCasing',
    title: "The 'as' keyword should match the case of 'from'",
    severity: 'warning',
    why: 'A FROM line that mixes `FROM` with `as` (or `from` with `AS`) reads as two styles in one instruction.',
    bad: 'FROM alpine as build\n',
    good: 'FROM alpine AS build\n',
    check(ctx) {
      for (const s of ctx.model.stages) {
        const kw = s.from.keyword;
        const as = s.from.asKeyword;
        if (!as) continue;
        const want = isUpper(kw) ? 'AS' : isLower(kw) ? 'as' : undefined;
        if (want && as.value !== want)
          ctx.report('FromAsCasing', as.range, `'${as.value}' and '${kw}' keywords' casing do not match`, {
            title: `Write '${want}'`,
            edits: [{ range: as.range, newText: want }],
          });
      }
    },
  }),
  buildkitRule({
    id: 'NoEmptyContinuation',
    title: 'Empty continuation lines will become errors',
    severity: 'warning',
    why: 'An empty line inside a backslash-continued instruction is easy to miss and is deprecated: a future builder will reject it.',
    bad: 'RUN apk add \\\n\n    curl\n',
    good: 'RUN apk add \\\n    curl\n',
    check(ctx) {
      for (const instr of allInstructions(ctx)) {
        const lines = instr.emptyContinuationLines;
        if (lines.length === 0) continue;
        ctx.report('NoEmptyContinuation', lines[0]!, 'Empty continuation line', {
          title: 'Remove empty continuation lines',
          edits: lines.map((r) => ({ range: r, newText: '' })),
        });
      }
    },
  }),
  buildkitRule({
    id: 'ConsistentInstructionCasing',
    title: 'Instruction keywords should use one casing',
    severity: 'warning',
    why: 'Keywords in mixed case (`Run`) or in a case that differs from the rest of the file make it harder to scan.',
    bad: 'FROM alpine\nrun echo hi\n',
    good: 'FROM alpine\nRUN echo hi\n',
    check(ctx) {
      let upper = 0;
      let lower = 0;
      let named = 0;
      const all = allInstructions(ctx);
      for (const i of all) {
        if (i.name === undefined) continue;
        named++;
        if (isUpper(i.keyword)) upper++;
        else if (isLower(i.keyword)) lower++;
      }
      const wantLower = lower > upper;
      if ((wantLower ? lower : upper) === named) return; // one casing throughout, as in most files
      for (const i of all) {
        if (i.name === undefined || (wantLower ? isLower(i.keyword) : isUpper(i.keyword))) continue;
        const want = wantLower ? i.keyword.toLowerCase() : i.keyword.toUpperCase();
        ctx.report('ConsistentInstructionCasing', i.keywordRange, `Command '${i.keyword}' should match the case of the command majority (${wantLower ? 'lowercase' : 'uppercase'})`, {
          title: `Write '${want}'`,
          edits: [{ range: i.keywordRange, newText: want }],
        });
      }
    },
  }),
  buildkitRule({
    id: 'DuplicateStageName',
    title: 'Stage names should be unique',
    severity: 'warning',
    why: 'Two stages with one name make `--from=` and `--target` ambiguous.',
    bad: 'FROM alpine AS build\nFROM debian AS build\n',
    good: 'FROM alpine AS build\nFROM debian AS release\n',
    check(ctx) {
      const seen = new Set<string>();
      for (const s of ctx.model.stages) {
        if (!s.name) continue;
        if (seen.has(s.name)) ctx.report('DuplicateStageName', s.from.stageName!.range, `Duplicate stage name '${s.name}', stage names should be unique`);
        seen.add(s.name);
      }
    },
  }),
  buildkitRule({
    id: 'ReservedStageName',
    title: 'Reserved words should not be stage names',
    severity: 'warning',
    why: '`scratch` and `context` already mean something to FROM and --from; a stage with such a name is confusing or unreachable.',
    bad: 'FROM alpine AS scratch\n',
    good: 'FROM alpine AS base\n',
    check(ctx) {
      for (const s of ctx.model.stages)
        if (s.name === 'scratch' || s.name === 'context')
          ctx.report('ReservedStageName', s.from.stageName!.range, `'${s.name}' is reserved and should not be used as a stage name`);
    },
  }),
  buildkitRule({
    id: 'JSONArgsRecommended',
    title: 'Use the JSON form for CMD and ENTRYPOINT',
    severity: 'warning',
    why: 'The shell form runs the command under `/bin/sh -c`, so the process does not get signals such as SIGTERM and cannot stop cleanly.',
    bad: 'FROM alpine\nCMD nginx -g "daemon off;"\n',
    good: 'FROM alpine\nCMD ["nginx", "-g", "daemon off;"]\n',
    check(ctx) {
      if (!ctx.inStages('CMD').some(shellForm) && !ctx.inStages('ENTRYPOINT').some(shellForm)) return;
      for (const s of ctx.model.stages) {
        let shellSet = hasShell(s.baseStage);
        for (const i of s.body) {
          if (i.name === 'SHELL') shellSet = true;
          if ((i.name === 'CMD' || i.name === 'ENTRYPOINT') && i.command?.form === 'shell' && !shellSet) {
            const fix = jsonFormFix(ctx, i);
            ctx.report('JSONArgsRecommended', i.command.range, `JSON arguments recommended for ${i.name} to prevent unintended behavior related to OS signals`, fix);
          }
        }
      }
    },
  }),
  buildkitRule({
    id: 'MaintainerDeprecated',
    title: 'MAINTAINER is deprecated',
    severity: 'warning',
    why: 'MAINTAINER sets a field images no longer use. The author belongs in the `org.opencontainers.image.authors` label, which tools read.',
    bad: 'FROM alpine\nMAINTAINER Jo <jo@example.com>\n',
    good: 'FROM alpine\nLABEL org.opencontainers.image.authors="Jo <jo@example.com>"\n',
    check(ctx) {
      for (const i of ctx.ofKind('MAINTAINER')) ctx.report('MaintainerDeprecated', i.keywordRange, 'The MAINTAINER instruction is deprecated, use a label instead to define an image author', maintainerFix(ctx, i));
    },
  }),
  buildkitRule({
    id: 'UndefinedArgInFrom',
    title: 'FROM uses an ARG that is not declared before the first FROM',
    severity: 'warning',
    why: 'FROM sees only the ARGs declared before the first FROM (and the automatic platform ARGs). Anything else expands to an empty string.',
    bad: 'FROM node:${NODE_VERSION}\n',
    good: 'ARG NODE_VERSION=20\nFROM node:${NODE_VERSION}\n',
    check(ctx) {
      const globals = ctx.model.globalScope;
      for (const s of ctx.model.stages) {
        // Only a word with a `$` names an ARG.
        const words: Word[] = [];
        if (s.from.image?.value.includes('$')) words.push(s.from.image);
        const platform = flag(s.from, 'platform');
        if (platform?.value?.includes('$') && platform.valueRange) words.push({ value: platform.value, range: platform.valueRange });
        for (const w of words) {
          const x = expandWord(w.value, globals, { escapeChar: ctx.model.escapeChar });
          for (const name of x.unset) {
            if (globals.declared(name)) continue;
            const hint = closest(name, globals.names());
            ctx.report('UndefinedArgInFrom', w.range, `FROM argument '${name}' is not declared${hint ? ` (did you mean ${hint}?)` : ''}`);
          }
        }
      }
    },
  }),
  buildkitRule({
    id: 'WorkdirRelativePath',
    title: "A stage's first WORKDIR should be absolute",
    severity: 'warning',
    why: "A relative WORKDIR is taken from the base image's working directory, which can change when the base image does.",
    bad: 'FROM alpine\nWORKDIR app\n',
    good: 'FROM alpine\nWORKDIR /app\n',
    check(ctx) {
      if (ctx.inStages('WORKDIR').length === 0) return;
      for (const s of ctx.model.stages) {
        if (s.baseStage) continue;
        const first = s.body.find((i) => i.name === 'WORKDIR');
        if (!first || first.name !== 'WORKDIR' || !first.value) continue;
        const x = expandWord(first.value.value, ctx.scope(first), { escapeChar: ctx.model.escapeChar, skipUnset: true });
        if (!x.ok || x.value.startsWith('$')) continue;
        if (!isAbsolute(x.value)) ctx.report('WorkdirRelativePath', first.value.range, `Relative workdir '${x.value}' can have unexpected results if the base image changes`);
      }
    },
  }),
  buildkitRule({
    id: 'UndefinedVar',
    title: 'Variable is not defined',
    severity: 'warning',
    why: 'A `$NAME` that no ARG or ENV sets expands to an empty string, which is rarely what was meant; often it is a typo.',
    bad: 'FROM alpine\nENV PATH=/opt/bin:$PAHT\n',
    good: 'FROM alpine\nENV PATH=/opt/bin:$PATH\n',
    check(ctx) {
      if (!ctx.text.includes('$')) return; // a quarter of Dockerfiles read no variable
      const options = { escapeChar: ctx.model.escapeChar };
      for (const kind of EXPANDED_KINDS)
        for (const i of ctx.inStages(kind)) {
          const words = expandedWords(i);
          if (words.length === 0) continue;
          const scope = ctx.scope(i);
          for (const w of words) {
            const x = ctx.model.expansions.get(w) ?? expandWord(w.value, scope, options);
            for (const name of x.unset) {
              if (scope.declared(name) || !/^[A-Za-z_]\w*$/.test(name) || IGNORED_VARS.has(name)) continue;
              // The base image's own ENV is not known here: in a stage on an image, only a one-edit
              // slip from a name this Dockerfile sets counts (GOPATH is not a typo of PATH).
              const hint = scope.openBase ? closest(name, scope.names(), 1) : closest(name, scope.names());
              if (scope.openBase && !hint) continue;
              ctx.report('UndefinedVar', w.range, `Usage of undefined variable '$${name}'${hint ? ` (did you mean $${hint}?)` : ''}`);
            }
          }
        }
    },
  }),
  buildkitRule({
    id: 'MultipleInstructionsDisallowed',
    title: 'Only the last CMD, ENTRYPOINT or HEALTHCHECK of a stage counts',
    severity: 'warning',
    why: 'A stage keeps only its last CMD, ENTRYPOINT and HEALTHCHECK; earlier ones do nothing and mislead readers.',
    bad: 'FROM alpine\nCMD ["a"]\nCMD ["b"]\n',
    good: 'FROM alpine\nCMD ["b"]\n',
    check(ctx) {
      for (const s of ctx.model.stages) {
        for (const name of ['CMD', 'ENTRYPOINT', 'HEALTHCHECK'] as const) {
          if (ctx.ofKind(name).length < 2) continue;
          const list = s.body.filter((i) => i.name === name);
          for (const i of list.slice(0, -1))
            ctx.report('MultipleInstructionsDisallowed', firstLine(ctx, i), `Multiple ${name} instructions should not be used in the same stage because only the last one will be used`);
        }
      }
    },
  }),
  buildkitRule({
    id: 'LegacyKeyValueFormat',
    title: 'Use ENV and LABEL in the key=value form',
    severity: 'warning',
    why: 'In `ENV key value` the value is the rest of the line, a form that cannot set several variables and is on its way out.',
    bad: 'FROM alpine\nENV VERSION 1.2\n',
    good: 'FROM alpine\nENV VERSION=1.2\n',
    check(ctx) {
      for (const kind of ['ENV', 'LABEL'] as const)
        for (const i of ctx.ofKind(kind)) {
          if (!i.legacy) continue;
          ctx.report('LegacyKeyValueFormat', firstLine(ctx, i), `"${i.name} key=value" should be used instead of legacy "${i.name} key value" format`, legacyFix(i));
        }
    },
  }),
  buildkitRule({
    id: 'RedundantTargetPlatform',
    title: 'FROM --platform=$TARGETPLATFORM is the default',
    severity: 'warning',
    why: 'A stage is built for the target platform unless told otherwise, so naming it adds nothing.',
    bad: 'FROM --platform=$TARGETPLATFORM alpine\n',
    good: 'FROM alpine\n',
    check(ctx) {
      for (const s of ctx.model.stages) {
        const f = flag(s.from, 'platform');
        if (f?.value === '$TARGETPLATFORM' || f?.value === '${TARGETPLATFORM}')
          ctx.report('RedundantTargetPlatform', f.range, `Setting platform to predefined ${f.value} in FROM is redundant as this is the default behavior`, {
            title: 'Remove the --platform flag',
            edits: [{ range: ctx.range(f.range.start.offset, nextNonBlank(ctx.text, f.range.end.offset)), newText: '' }],
          });
      }
    },
  }),
  buildkitRule({
    id: 'SecretsUsedInArgOrEnv',
    title: 'Secrets should not be passed in ARG or ENV',
    severity: 'warning',
    why: 'ARG and ENV values end up in the image config and its history, where anyone with the image can read them. Use a secret mount instead.',
    bad: 'FROM alpine\nARG GITHUB_TOKEN\n',
    good: 'FROM alpine\nRUN --mount=type=secret,id=github_token ./fetch.sh\n',
    check(ctx) {
      for (const { instr, name } of secretNames(ctx)) ctx.report('SecretsUsedInArgOrEnv', name.range, `Do not use ARG or ENV instructions for sensitive data (${instr.name} "${name.value}")`);
    },
  }),
  buildkitRule({
    id: 'InvalidDefaultArgInFrom',
    title: 'FROM is not a valid image with the default ARG values',
    severity: 'warning',
    why: 'When the build gives no --build-arg, FROM uses the ARG defaults; if that makes an empty or invalid reference, the build fails.',
    bad: 'ARG TAG\nFROM alpine:${TAG}\n',
    good: 'ARG TAG=3.20\nFROM alpine:${TAG}\n',
    check(ctx) {
      const globals = ctx.model.globalScope;
      for (const s of ctx.model.stages) {
        const img = s.from.image;
        if (!img || !img.value.includes('$')) continue;
        const x = expandWord(img.value, globals, { escapeChar: ctx.model.escapeChar });
        if (!x.ok) continue;
        if (x.unset.some((n) => !globals.declared(n))) continue; // UndefinedArgInFrom says it
        if (ctx.model.stages.some((o) => o.index < s.index && o.name === x.value.toLowerCase())) continue;
        if (x.value.toLowerCase() === 'scratch') continue;
        const ref = parseImageReference(x.value);
        if (!ref.ok) ctx.report('InvalidDefaultArgInFrom', img.range, `Default value for ARG ${img.value} results in empty or invalid base image name`);
      }
    },
  }),
  buildkitRule({
    id: 'FromPlatformFlagConstDisallowed',
    title: 'FROM --platform should not be a constant',
    severity: 'warning',
    why: 'A fixed platform in FROM pins the stage to one architecture and defeats multi-platform builds, unless the stage is meant for that platform (then say so in its name).',
    bad: 'FROM --platform=linux/amd64 alpine AS build\n',
    good: 'FROM --platform=linux/amd64 alpine AS build_amd64\n',
    check(ctx) {
      for (const s of ctx.model.stages) {
        const f = flag(s.from, 'platform');
        if (f?.value === undefined || f.value.includes('$')) continue;
        const p = parsePlatform(f.value);
        if (!p) continue;
        const name = s.name ?? '';
        if (name.includes(p.os) || name.includes(p.architecture)) continue;
        ctx.report('FromPlatformFlagConstDisallowed', f.range, `FROM --platform flag should not use constant value "${f.value}"`);
      }
    },
  }),
  buildkitRule({
    id: 'CopyIgnoredFile',
    title: 'COPY or ADD names a file that .dockerignore excludes',
    severity: 'warning',
    needsContext: true,
    why: 'Files excluded by .dockerignore are not sent to the builder, so a COPY of one fails or copies less than it says.',
    bad: '# .dockerignore: *.md\nFROM alpine\nCOPY README.md /\n',
    good: '# .dockerignore: *.md\nFROM alpine\nCOPY app /app\n',
    check(ctx) {
      const view = ctx.context;
      if (!view) return;
      const patterns = view.ignorePatterns?.();
      if (patterns?.some((p) => p.trim().startsWith('!'))) return;
      const excludesAll = patterns?.some((p) => ['*', '**', '**/*'].includes(p.trim())) ?? false;
      for (const { instr, source, path } of contextSources(ctx)) {
        if (path === '.' || path === '/' || path === '') {
          if (excludesAll) ctx.report('CopyIgnoredFile', source.range, `Attempting to ${instr.name} file "${source.value}" that is excluded by .dockerignore`);
          continue;
        }
        if (view.isIgnored(path)) ctx.report('CopyIgnoredFile', source.range, `Attempting to ${instr.name} file "${source.value}" that is excluded by .dockerignore`);
      }
    },
  }),
  buildkitRule({
    id: 'InvalidDefinitionDescription',
    title: 'A comment above a stage or ARG should start with its name',
    severity: 'warning',
    enabledByDefault: false,
    why: 'Build tools show the comment right above `FROM … AS name` or `ARG name` as its description when it starts with the name. Separate other comments with a bare `#` line.',
    bad: '# the compiler\nFROM golang AS build\n',
    good: '# build compiles the server\nFROM golang AS build\n',
    check(ctx) {
      for (const i of ctx.ast.instructions) {
        const comments = ctx.shared(commentsOf).get(i);
        if (!comments?.length) continue;
        const names = i.name === 'FROM' && i.stageName ? [i.stageName.value] : i.name === 'ARG' && i.declarations.length === 1 ? [i.declarations[0]!.name.value] : [];
        if (names.length === 0) continue;
        const block = comments.slice(comments.findLastIndex((c) => c.value === '') + 1).filter((c) => !/^\s*(hadolint|dfc|check)\b/.test(c.value));
        if (block.length === 0) continue;
        const first = block[0]!.value.split(/\s+/)[0] ?? '';
        if (first !== names[0])
          ctx.report('InvalidDefinitionDescription', block[0]!.range, `Comment for ${i.name} should follow the format: \`# ${names[0]} <description>\`. This will become an error in a future release.`);
      }
    },
  }),
  buildkitRule({
    id: 'ExposeProtoCasing',
    title: 'EXPOSE protocols should be lowercase',
    severity: 'warning',
    why: 'Protocols are `tcp`, `udp` and `sctp`; other casings work only by accident of normalization and read inconsistently.',
    bad: 'FROM alpine\nEXPOSE 53/UDP\n',
    good: 'FROM alpine\nEXPOSE 53/udp\n',
    check(ctx) {
      for (const i of ctx.ofKind('EXPOSE')) {
        for (const w of i.items) {
          const slash = w.value.lastIndexOf('/');
          if (slash < 0 || w.value.includes('$')) continue;
          const proto = w.value.slice(slash + 1);
          if (proto !== proto.toLowerCase())
            ctx.report('ExposeProtoCasing', w.range, `Defined protocol '${w.value}' in EXPOSE instruction should be lowercase`, {
              title: 'Write the protocol in lowercase',
              edits: [{ range: w.range, newText: w.value.slice(0, slash + 1) + proto.toLowerCase() }],
            });
        }
      }
    },
  }),
  buildkitRule({
    id: 'ExposeInvalidFormat',
    title: 'EXPOSE takes container ports only',
    severity: 'warning',
    why: 'EXPOSE documents ports of the container. Host addresses and host ports (`8080:80`) belong to `docker run -p`; the builder drops them.',
    bad: 'FROM alpine\nEXPOSE 8080:80\n',
    good: 'FROM alpine\nEXPOSE 80\n',
    check(ctx) {
      for (const i of ctx.ofKind('EXPOSE')) {
        for (const w of i.items)
          if (w.value.includes(':') && !w.value.startsWith('$')) ctx.report('ExposeInvalidFormat', w.range, `EXPOSE instruction should not define an IP address or host-port mapping, found '${w.value}'`);
      }
    },
  }),
];

function commentsOf(ctx: RuleContext): Map<Instruction, Comment[]> {
  return commentsAbove(ctx.ast);
}

/** Internal args BuildKit never reports (SBOM scanning). */
const IGNORED_VARS = new Set(['BUILDKIT_SBOM_SCAN_CONTEXT', 'BUILDKIT_SBOM_SCAN_STAGE']);

/** Every instruction, ONBUILD triggers included (listed once per file: most rules ask). */
export function allInstructions(ctx: RuleContext): readonly Instruction[] {
  return ctx.shared(listInstructions);
}

function listInstructions(ctx: RuleContext): readonly Instruction[] {
  const out: Instruction[] = [];
  for (const i of ctx.ast.instructions) {
    out.push(i);
    if (i.name === 'ONBUILD' && i.trigger) out.push(i.trigger);
  }
  return out;
}

export function flag(instr: Instruction, name: string): Flag | undefined {
  // Most instructions have no flags; rules ask every instruction.
  for (const f of instr.flags) if (f.name === name) return f;
  return undefined;
}

function hasShell(stage: import('../model.js').StageModel | undefined): boolean {
  for (let s = stage; s; s = s.baseStage) if (s.body.some((i) => i.name === 'SHELL')) return true;
  return false;
}

function shellForm(i: CommandInstruction): boolean {
  return i.command?.form === 'shell';
}

function isAbsolute(path: string): boolean {
  return path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\');
}

/** The instructions whose words a build expands (RUN, CMD, ENTRYPOINT and the shell form are the shell's business). */
const EXPANDED_KINDS = ['ENV', 'LABEL', 'ARG', 'ADD', 'COPY', 'EXPOSE', 'VOLUME', 'USER', 'WORKDIR', 'STOPSIGNAL'] as const;

/** The words of an instruction of EXPANDED_KINDS that hold a `$`: no other word reads a variable. */
function expandedWords(i: Instruction): readonly Word[] {
  // Most instructions hold no `$` at all.
  if (!i.text.includes('$')) return NO_WORDS;
  const out: Word[] = [];
  switch (i.name) {
    case 'ENV':
    case 'LABEL':
      for (const p of i.pairs) {
        if (p.key.value.includes('$')) out.push(p.key);
        if (p.value.value.includes('$')) out.push(p.value);
      }
      break;
    case 'ARG':
      for (const d of i.declarations) if (d.value?.value.includes('$')) out.push(d.value);
      break;
    case 'ADD':
    case 'COPY':
    case 'EXPOSE':
    case 'VOLUME':
    case 'USER':
    case 'WORKDIR':
    case 'STOPSIGNAL':
      for (const w of i.argNodes) if (w.value.includes('$')) out.push(w);
      break;
  }
  return out;
}

const NO_WORDS: readonly Word[] = [];

const SECRET_TOKENS = ['apikey', 'auth', 'credential', 'credentials', 'key', 'password', 'pword', 'passwd', 'secret', 'token'];
const EXEMPT_TOKENS = new Set(['public', 'file', 'version']);

/** What a secret-looking name contains somewhere, once lower-cased: most names contain none of the tokens. */
const SECRET_SUBSTRING = new RegExp(SECRET_TOKENS.join('|'));
/** The same in a name of any case (a name with other than ASCII is lower-cased to be sure: toLowerCase('K') is k). */
const MAY_BE_SECRET = new RegExp(`${SECRET_TOKENS.join('|')}|[^\\x00-\\x7f]`, 'i');

export interface SecretName {
  instr: Instruction & { name: 'ARG' | 'ENV' };
  name: Word;
  value: Word | undefined;
}

/** The ARG and ENV names of the file that look like secrets (ARGs first), with their values: two rules read them. */
export function secretNames(ctx: RuleContext): readonly SecretName[] {
  return ctx.shared(listSecretNames);
}

function listSecretNames(ctx: RuleContext): SecretName[] {
  const out: SecretName[] = [];
  for (const i of ctx.ofKind('ARG')) for (const d of i.declarations) if (looksSecret(d.name.value)) out.push({ instr: i, name: d.name, value: d.value });
  for (const i of ctx.ofKind('ENV')) for (const p of i.pairs) if (looksSecret(p.key.value)) out.push({ instr: i, name: p.key, value: p.value });
  return out;
}

function looksSecret(name: string): boolean {
  if (!MAY_BE_SECRET.test(name)) return false;
  const lower = name.toLowerCase();
  if (!SECRET_SUBSTRING.test(lower)) return false;
  const parts = lower.split('_').filter(Boolean);
  if (parts.length === 0 || parts.some((p) => EXEMPT_TOKENS.has(p))) return false;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  return SECRET_TOKENS.includes(first) || SECRET_TOKENS.includes(last);
}

export function contextSources(ctx: RuleContext): { instr: Instruction & { name: 'COPY' | 'ADD' }; source: Word; path: string }[] {
  const out: { instr: Instruction & { name: 'COPY' | 'ADD' }; source: Word; path: string }[] = [];
  for (const s of ctx.model.stages) {
    for (const i of s.body) {
      if (i.name !== 'COPY' && i.name !== 'ADD') continue;
      if (flag(i, 'from')) continue;
      for (const src of i.sources) {
        if (src.value.startsWith('<<')) continue;
        if (i.name === 'ADD' && /^(https?|git|ssh):\/\/|^git@|\.git(#|$)/.test(src.value)) continue;
        const x = expandWord(src.value, ctx.scope(i), { escapeChar: ctx.model.escapeChar });
        if (!x.ok || x.unset.length > 0) continue;
        out.push({ instr: i, source: src, path: normalizeContextPath(x.value) });
      }
    }
  }
  return out;
}

export function normalizeContextPath(p: string): string {
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return parts.length ? parts.join('/') : '.';
}

function nextNonBlank(text: string, offset: number): number {
  let i = offset;
  while (text[i] === ' ' || text[i] === '\t') i++;
  return i;
}

/** CMD/ENTRYPOINT in JSON form, when the shell form is plain words a shell would not change. */
function jsonFormFix(ctx: RuleContext, i: CommandInstruction) {
  if (i.command?.form !== 'shell') return undefined;
  const text = i.command.text.value.trim();
  if (!text || /[$`\\|&;<>(){}*?[\]~#"'\n!=]/.test(text)) return undefined;
  const words = text.split(/\s+/);
  return {
    title: `Write ${i.name} in the JSON form`,
    edits: [{ range: i.command.range, newText: JSON.stringify(words).replace(/","/g, '", "') }],
  };
}

function maintainerFix(ctx: RuleContext, i: Instruction) {
  if (!i.args) return undefined;
  const value = i.args.value.trim().replace(/^"(.*)"$/, '$1');
  if (/["\\$`]/.test(value)) return undefined;
  return {
    title: 'Replace MAINTAINER with the authors label',
    edits: [{ range: ctx.range(i.keywordRange.start.offset, i.args.range.end.offset), newText: `LABEL org.opencontainers.image.authors="${value}"` }],
  };
}

function legacyFix(i: KeyValueInstruction) {
  const p = i.pairs[0];
  if (!p || i.pairs.length !== 1 || i.continuations.length > 0) return undefined;
  const v = p.value.value;
  if (/["'\\`]/.test(v)) return undefined;
  const value = /\s/.test(v) || v === '' ? `"${v}"` : v;
  return {
    title: `Write ${i.name} ${p.key.value}=…`,
    edits: [{ range: { start: p.key.range.start, end: p.value.range.end }, newText: `${p.key.value}=${value}` }],
  };
}
