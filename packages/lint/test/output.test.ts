// What `dfc lint` prints in each format, the fixes it applies, and the config file it reads.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import {
  applyFixes, fixText, formatCheckstyle, formatGnu, formatJson, formatSarif, formatTty, lintText, parseLintConfig, ruleDocPages, type FileReport,
} from '../src/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..', '..', '..');
const require = createRequire(import.meta.url);
const { default: Ajv } = require('ajv-draft-04') as typeof import('ajv-draft-04');

function report(file: string, text: string): FileReport {
  return { file, text, diagnostics: lintText(text).diagnostics };
}

const SAMPLE = 'from alpine:3.20 as Build\nMAINTAINER Jo <jo@example.com>\nRUN apk add curl\nENV MODE production\nCMD node server.js\n';

describe('lint output', () => {
  it('tty shows file:line:col, the rule, the source line and a caret under the range', () => {
    const out = formatTty([report('Dockerfile', SAMPLE)]);
    expect(out).to.contain('Dockerfile:3:13 warning Pin versions in apk add: curl');
    expect(out).to.contain(`   3 | RUN apk add curl\n${' '.repeat(19)}^~~~\n`);
    expect(out).to.match(/Dockerfile: \d+ warnings?, \d+ infos?\n$/);
    expect(formatTty([report('Dockerfile', 'FROM alpine:3.20\nCMD ["sh"]\n')])).to.equal('Dockerfile: no problems\n');
  });

  it('tty colours only through the paint it is given', () => {
    const out = formatTty([report('Dockerfile', SAMPLE)], { paint: { severity: (s, t) => `<${s}>${t}</>`, dim: (t) => t, bold: (t) => t } });
    expect(out).to.contain('<warning>warning</>');
    expect(formatTty([report('Dockerfile', SAMPLE)])).to.not.contain('\u001b[');
  });

  it('gnu, json and checkstyle', () => {
    const r = [report('dir/Dockerfile', SAMPLE)];
    expect(formatGnu(r)).to.contain('dir/Dockerfile:3.13-3.17: warning: Pin versions in apk add: curl (e.g. curl=<version>) [DL3018]');
    const json = JSON.parse(formatJson(r)) as { file: string; code: string; line: number; url?: string }[];
    expect(json.find((f) => f.code === 'DL3018')).to.include({ file: 'dir/Dockerfile', line: 3, url: 'https://github.com/hadolint/hadolint/wiki/DL3018' });
    const xml = formatCheckstyle([report('a&b/Dockerfile', SAMPLE)]);
    expect(xml).to.contain('<file name="a&amp;b/Dockerfile">');
    expect(xml).to.contain('message="The MAINTAINER instruction is deprecated, use a label instead to define an image author" source="MaintainerDeprecated"');
  });

  it('SARIF output is valid SARIF 2.1.0 (checked against the schema)', () => {
    // The SARIF 2.1.0 JSON schema (rtm.5, as published on schemastore) ships in @microsoft/jest-sarif (MIT).
    const schemaFile = path.join(path.dirname(require.resolve('@microsoft/jest-sarif/package.json')), 'lib', 'schemas', 'sarif-2.1.0-rtm.5.json');
    const schema = JSON.parse(fs.readFileSync(schemaFile, 'utf8')) as object;
    // The schema's `language` pattern is not a valid Unicode regular expression, and formats need ajv-formats: both off.
    const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false, validateFormats: false, logger: false });
    const validate = ajv.compile(schema);
    const log = JSON.parse(formatSarif([report('Dockerfile', SAMPLE), report('other/Dockerfile', 'FROM alpine\n')])) as { runs: { results: unknown[] }[] };
    const ok = validate(log);
    expect(validate.errors ?? [], JSON.stringify(validate.errors?.slice(0, 3))).to.deep.equal([]);
    expect(ok).to.equal(true);
    expect(log.runs[0]!.results.length).to.be.greaterThan(5);
    // The validator does reject what is not SARIF.
    expect(validate({ version: '2.1.0', runs: [{ results: [] }] })).to.equal(false);
  });
});

describe('lint fixes', () => {
  it('applies the mechanical fixes and leaves everything else as written', () => {
    const text = 'from alpine:3.20 as Build\n# keep this comment\nMAINTAINER Jo <jo@example.com>\nRUN apk add \\\n\n    curl\nENV MODE production\nCMD node server.js\nexpose 53/UDP\n';
    const fixed = fixText(text, (t) => lintText(t).diagnostics);
    expect(fixed).to.equal(
      'FROM alpine:3.20 AS build\n# keep this comment\nLABEL org.opencontainers.image.authors="Jo <jo@example.com>"\nRUN apk add \\\n    curl\nENV MODE=production\nCMD ["node", "server.js"]\nEXPOSE 53/udp\n',
    );
  });

  it('does not convert CMD to JSON when the shell would change its meaning', () => {
    const text = 'FROM alpine:3.20\nCMD node server.js > /log 2>&1\n';
    expect(applyFixes(text, lintText(text).diagnostics)).to.equal(text);
  });

  it('skips an edit that overlaps one already applied', () => {
    const r = (s: number, e: number) => ({ start: { line: 1, column: s + 1, offset: s }, end: { line: 1, column: e + 1, offset: e } });
    const d = (s: number, e: number, t: string) => ({ code: 'X', severity: 'warning' as const, message: '', range: r(s, e), fix: { title: '', edits: [{ range: r(s, e), newText: t }] } });
    expect(applyFixes('abcdef', [d(0, 3, 'X'), d(2, 4, 'Y'), d(4, 6, 'Z')])).to.equal('XdZ');
  });
});

describe('lint config', () => {
  it('reads .hadolint.yaml keys', () => {
    const r = parseLintConfig(
      'ignored: [DL3008, SC2086]\noverride:\n  error: [DL3015]\n  style: [DL3059]\ntrustedRegistries:\n  - docker.io\n  - "*.gcr.io"\nfailure-threshold: warning\nlabel-schema:\n  maintainer: email\nstrict-labels: true\n',
      '.hadolint.yaml',
    );
    expect(r).to.deep.equal({
      config: {
        ignored: ['DL3008', 'SC2086'],
        severities: { DL3015: 'error', DL3059: 'hint' },
        trustedRegistries: ['docker.io', '*.gcr.io'],
        failureThreshold: 'warning',
        labelSchema: { maintainer: 'email' },
        strictLabels: true,
      },
    });
  });

  it('a bad config is an error that says where and what', () => {
    expect(parseLintConfig('ignore: [DL3008]\n', '.hadolint.yaml')).to.have.property('error').that.contains('.hadolint.yaml:1:1: unknown key "ignore"');
    expect(parseLintConfig('ignored: [DL3008\n', 'c.yaml')).to.have.property('error').that.contains('c.yaml');
    expect(parseLintConfig('ignored: [NoSuchRule]\n', 'c.yaml')).to.have.property('error').that.contains('unknown rule "NoSuchRule"');
    expect(parseLintConfig('strict-labels: maybe\n', 'c.yaml')).to.have.property('error').that.contains('"strict-labels" must be true or false');
    expect(parseLintConfig('label-schema:\n  a: colour\n', 'c.yaml')).to.have.property('error').that.contains('unknown type "colour"');
    expect(parseLintConfig('', 'c.yaml')).to.deep.equal({ config: {} });
  });
});

describe('lint rule docs', () => {
  it('packages/lint/docs/rules is what scripts/generate-rule-docs writes now', () => {
    const dir = path.join(repo, 'packages', 'lint', 'docs', 'rules');
    const pages = ruleDocPages();
    const onDisk = fs.readdirSync(dir).sort();
    expect(onDisk, 'run scripts/generate-rule-docs').to.deep.equal(Object.keys(pages).sort());
    for (const [name, content] of Object.entries(pages)) expect(fs.readFileSync(path.join(dir, name), 'utf8'), `${name} is stale: run scripts/generate-rule-docs`).to.equal(content);
  });
});
