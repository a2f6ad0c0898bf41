// hadolint's label rules: key syntax, empty values, and the label schema from the config
// (required labels, their value types, and strict mode).
import type { KeyValueInstruction, Word } from '@dfc/syntax';
import type { Rule, RuleContext } from '../rule.js';
import type { LabelType } from '../types.js';
import type { StageModel } from '../model.js';
import { hadolintRule } from './define.js';
import { known } from './instructions.js';

interface LabelUse {
  instr: KeyValueInstruction;
  key: Word;
  value: Word;
  /** The key and value after expansion; undefined when a variable's value is unknown. */
  name: string | undefined;
  text: string | undefined;
}

/** The LABEL pairs of the file (or of the final image's stages), read once per file for all label rules. */
function labels(ctx: RuleContext, finalOnly = false): readonly LabelUse[] {
  const cache = ctx.shared(labelLists);
  const cached = cache.get(finalOnly);
  if (cached) return cached;
  const out: LabelUse[] = [];
  const inFinal = new Set<unknown>();
  if (finalOnly) for (let s: StageModel | undefined = ctx.model.stages[ctx.model.stages.length - 1]; s; s = s.baseStage) for (const i of s.body) inFinal.add(i);
  for (const i of ctx.ofKind('LABEL')) {
    if (finalOnly && !inFinal.has(i)) continue;
    for (const p of i.pairs) out.push({ instr: i, key: p.key, value: p.value, name: known(ctx, i, p.key), text: known(ctx, i, p.value) });
  }
  cache.set(finalOnly, out);
  return out;
}

/** labels() of a file, for all the file's LABEL pairs and for those of the final image. */
function labelLists(): Map<boolean, readonly LabelUse[]> {
  return new Map();
}

const VALID_KEY = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;
const RESERVED = ['com.docker.', 'io.docker.', 'org.dockerproject.'];

function typeRule(id: string, type: LabelType, title: string, why: string, badValue: string, goodValue: string, valid: (v: string) => boolean): Rule {
  return hadolintRule({
    id,
    title,
    severity: 'warning',
    why: `${why} The check runs for labels that the config's label-schema gives the type \`${type}\`.`,
    bad: `# label-schema: {org.example.value: ${type}}\nFROM alpine\nLABEL org.example.value="${badValue}"\n`,
    good: `# label-schema: {org.example.value: ${type}}\nFROM alpine\nLABEL org.example.value="${goodValue}"\n`,
    check(ctx) {
      const schema = ctx.config.labelSchema;
      if (!schema) return;
      for (const l of labels(ctx)) {
        if (l.name === undefined || l.text === undefined || schema[l.name] !== type) continue;
        if (!valid(l.text)) ctx.report(id, l.value.range, `Label \`${l.name}\` is not a valid ${type} (got '${l.text}')`);
      }
    },
  });
}

const SPDX = new Set(('0BSD AFL-3.0 AGPL-3.0 AGPL-3.0-only AGPL-3.0-or-later Apache-1.1 Apache-2.0 Artistic-2.0 BSD-1-Clause BSD-2-Clause BSD-2-Clause-Patent BSD-3-Clause BSD-3-Clause-Clear BSD-4-Clause BSL-1.0 CC-BY-4.0 CC-BY-SA-4.0 CC0-1.0 CDDL-1.0 CDDL-1.1 CPL-1.0 EPL-1.0 EPL-2.0 EUPL-1.1 EUPL-1.2 GPL-2.0 GPL-2.0-only GPL-2.0-or-later GPL-3.0 GPL-3.0-only GPL-3.0-or-later ISC LGPL-2.0 LGPL-2.1 LGPL-2.1-only LGPL-2.1-or-later LGPL-3.0 LGPL-3.0-only LGPL-3.0-or-later MIT MIT-0 MPL-1.1 MPL-2.0 MS-PL MS-RL NCSA OFL-1.1 OpenSSL PHP-3.01 PostgreSQL Python-2.0 Ruby Unlicense UPL-1.0 Vim W3C WTFPL X11 Zlib zlib-acknowledgement').split(' '));
const SPDX_EXCEPTIONS = new Set(['Classpath-exception-2.0', 'LLVM-exception', 'GCC-exception-3.1', 'Autoconf-exception-3.0', 'Bison-exception-2.2', 'OpenJDK-assembly-exception-1.0']);

function validSpdx(v: string): boolean {
  const tokens = v.replace(/[()]/g, ' ').split(/\s+/).filter(Boolean);
  if (tokens.length === 0) return false;
  let expectId = true;
  let afterWith = false;
  for (const t of tokens) {
    if (expectId) {
      const id = t.endsWith('+') ? t.slice(0, -1) : t;
      if (afterWith ? !SPDX_EXCEPTIONS.has(t) : !(SPDX.has(id) || /^(DocumentRef-[\w.-]+:)?LicenseRef-[\w.-]+$/.test(t))) return false;
      expectId = false;
      afterWith = false;
    } else {
      if (!['AND', 'OR', 'WITH'].includes(t)) return false;
      afterWith = t === 'WITH';
      expectId = true;
    }
  }
  return !expectId;
}

export const LABEL_RULES: Rule[] = [
  hadolintRule({
    id: 'DL3048',
    title: 'Label keys should be valid',
    severity: 'hint',
    why: 'Label keys are reverse-DNS names in lower case: letters, digits, dots and dashes, not starting or ending with a separator, never two in a row. The `com.docker.`, `io.docker.` and `org.dockerproject.` prefixes are reserved.',
    bad: 'FROM alpine\nLABEL My_Label=1\n',
    good: 'FROM alpine\nLABEL org.example.my-label=1\n',
    check(ctx) {
      for (const l of labels(ctx)) {
        if (l.name === undefined) continue;
        const bad = !VALID_KEY.test(l.name) || /[.-]{2}/.test(l.name) || RESERVED.some((r) => l.name!.startsWith(r));
        if (bad) ctx.report('DL3048', l.key.range, `Invalid label key '${l.name}'`);
      }
    },
  }),
  hadolintRule({
    id: 'DL3049',
    title: 'A label the schema requires is missing',
    severity: 'info',
    why: 'When the config lists a label-schema, every label in it should be set in the final image so tools can rely on it.',
    bad: '# label-schema: {org.opencontainers.image.source: url}\nFROM alpine\n',
    good: '# label-schema: {org.opencontainers.image.source: url}\nFROM alpine\nLABEL org.opencontainers.image.source="https://example.com/repo"\n',
    check(ctx) {
      const schema = ctx.config.labelSchema;
      const last = ctx.model.stages[ctx.model.stages.length - 1];
      if (!schema || !last) return;
      const present = new Set(labels(ctx, true).map((l) => l.name));
      for (const name of Object.keys(schema)) if (!present.has(name)) ctx.report('DL3049', last.from.keywordRange, `Label \`${name}\` is missing`);
    },
  }),
  hadolintRule({
    id: 'DL3050',
    title: 'Label not in the schema (strict labels)',
    severity: 'info',
    why: 'With `strict-labels` on, only the labels the label-schema lists are allowed, which keeps metadata consistent across images.',
    bad: '# label-schema: {org.opencontainers.image.source: url}, strict-labels: true\nFROM alpine\nLABEL team=web\n',
    good: '# label-schema: {org.opencontainers.image.source: url}, strict-labels: true\nFROM alpine\nLABEL org.opencontainers.image.source="https://example.com/repo"\n',
    check(ctx) {
      const schema = ctx.config.labelSchema;
      if (!schema || !ctx.config.strictLabels) return;
      for (const l of labels(ctx)) if (l.name !== undefined && !(l.name in schema)) ctx.report('DL3050', l.key.range, `Superfluous label present: \`${l.name}\``);
    },
  }),
  hadolintRule({
    id: 'DL3051',
    title: 'Labels should not be empty',
    severity: 'warning',
    why: 'An empty label carries no information and usually means a build argument was not passed.',
    bad: 'FROM alpine\nLABEL org.opencontainers.image.version=""\n',
    good: 'FROM alpine\nLABEL org.opencontainers.image.version="1.4.0"\n',
    check(ctx) {
      for (const l of labels(ctx)) if (l.text === '' && l.name !== undefined) ctx.report('DL3051', l.value.range.start.offset === l.value.range.end.offset ? l.key.range : l.value.range, `Label \`${l.name}\` is empty`);
    },
  }),
  typeRule('DL3052', 'url', 'Label value should be a URL', 'A label typed `url` should hold an absolute URL.', 'example.com', 'https://example.com', (v) => /^[a-z][a-z0-9+.-]*:\/\/[^\s]+$/i.test(v)),
  typeRule('DL3053', 'rfc3339', 'Label value should be an RFC 3339 time', 'A label typed `rfc3339` should hold a timestamp such as 2024-05-01T12:00:00Z.', '2024/05/01', '2024-05-01T12:00:00Z', (v) => /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(v)),
  typeRule('DL3054', 'spdx', 'Label value should be an SPDX license', 'A label typed `spdx` should hold an SPDX license identifier or expression.', 'Apache 2', 'Apache-2.0', validSpdx),
  typeRule('DL3055', 'hash', 'Label value should be a git hash', 'A label typed `hash` should hold a full or short git commit hash.', 'main', '9f2c1e4a7b3d5f60718293a4b5c6d7e8f9012345', (v) => /^[0-9a-f]{7,40}$/.test(v)),
  typeRule('DL3056', 'semver', 'Label value should be a semantic version', 'A label typed `semver` should hold a version such as 1.4.0.', 'v1.4', '1.4.0', (v) => /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(v)),
  typeRule('DL3058', 'email', 'Label value should be an email address', 'A label typed `email` should hold an address such as team@example.com.', 'team at example.com', 'team@example.com', (v) => /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(v)),
];
