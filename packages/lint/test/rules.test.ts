// Every rule fires on the "bad" example of its own documentation page and stays quiet on the
// "good" one: the examples users read are the examples we test.
import { expect } from 'chai';
import { RULES, type LintOptions } from '../src/index.js';
import { codes, fakeContext } from './helpers.js';

/** Rules whose examples need a config or a build context (their pages say so in a comment). */
const OPTIONS: Record<string, { bad?: LintOptions; good?: LintOptions; both?: LintOptions }> = {
  DL3026: { both: { config: { trustedRegistries: ['registry.example.com'] } } },
  DL3049: { both: { config: { labelSchema: { 'org.opencontainers.image.source': 'url' } } } },
  DL3050: { both: { config: { labelSchema: { 'org.opencontainers.image.source': 'url' }, strictLabels: true } } },
  DL3052: { both: { config: { labelSchema: { 'org.example.value': 'url' } } } },
  DL3053: { both: { config: { labelSchema: { 'org.example.value': 'rfc3339' } } } },
  DL3054: { both: { config: { labelSchema: { 'org.example.value': 'spdx' } } } },
  DL3055: { both: { config: { labelSchema: { 'org.example.value': 'hash' } } } },
  DL3056: { both: { config: { labelSchema: { 'org.example.value': 'semver' } } } },
  DL3058: { both: { config: { labelSchema: { 'org.example.value': 'email' } } } },
  DL3057: { both: { config: { enabled: ['DL3057'] } } },
  InvalidDefinitionDescription: { both: { config: { enabled: ['InvalidDefinitionDescription'] } } },
  CopyIgnoredFile: { both: { context: fakeContext(['README.md', 'app/main.go'], ['*.md']) } },
  InvalidBaseImagePlatform: { both: { images: (ref) => (ref === 'arm64v8/alpine:3.20' ? { os: 'linux', architecture: 'arm64', variant: 'v8' } : undefined) } },
  CopySourceMissing: { bad: { context: fakeContext(['main.go']) }, good: { context: fakeContext(['go.mod', 'go.sum', 'main.go']) } },
};

// A DL rule that says what a BuildKit check says is shown under the BuildKit name when both fire
// at one place; with the BuildKit check off, the DL code shows.
const TWINS: Record<string, string> = {
  DL3024: 'DuplicateStageName', DL3063: 'ReservedStageName', DL3065: 'RedundantTargetPlatform', DL4000: 'MaintainerDeprecated',
  DL3025: 'JSONArgsRecommended', DL3029: 'FromPlatformFlagConstDisallowed',
};
for (const [dl, bk] of Object.entries(TWINS)) OPTIONS[dl] = { both: { config: { severities: { [bk]: 'off' } } } };

describe('lint rules: documented examples', () => {
  it('every rule has an id, a title and both examples', () => {
    expect(RULES.length).to.be.greaterThan(80);
    for (const r of RULES) {
      expect(r.title, r.id).to.not.equal('');
      expect(r.docs.why, r.id).to.not.equal('');
      expect(r.docs.bad, r.id).to.not.equal(r.docs.good);
    }
    expect(new Set(RULES.map((r) => r.id)).size).to.equal(RULES.length);
  });

  for (const rule of RULES) {
    const o = OPTIONS[rule.id] ?? {};
    it(`${rule.id} fires on its bad example`, () => {
      expect(codes(rule.docs.bad, o.bad ?? o.both ?? {}), rule.docs.bad).to.include(rule.id);
    });
    it(`${rule.id} is quiet on its good example`, () => {
      expect(codes(rule.docs.good, o.good ?? o.both ?? {}), rule.docs.good).to.not.include(rule.id);
    });
  }

  it('covers every BuildKit check that a static linter can run, and the required DL codes', () => {
    const ids = new Set(RULES.map((r) => r.id));
    const buildkit = ['StageNameCasing', 'FromAsCasing', 'NoEmptyContinuation', 'ConsistentInstructionCasing', 'DuplicateStageName', 'ReservedStageName', 'JSONArgsRecommended', 'MaintainerDeprecated', 'UndefinedArgInFrom', 'WorkdirRelativePath', 'UndefinedVar', 'MultipleInstructionsDisallowed', 'LegacyKeyValueFormat', 'RedundantTargetPlatform', 'SecretsUsedInArgOrEnv', 'InvalidDefaultArgInFrom', 'FromPlatformFlagConstDisallowed', 'CopyIgnoredFile', 'InvalidDefinitionDescription', 'ExposeProtoCasing', 'ExposeInvalidFormat', 'InvalidBaseImagePlatform'];
    const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => `DL${a + i}`);
    const dl = [...range(3000, 3004), ...range(3006, 3016), ...range(3018, 3030), ...range(3032, 3038), ...range(3040, 3048), 'DL3051', 'DL3057', ...range(3059, 3067), 'DL4000', 'DL4001', 'DL4003', 'DL4004', 'DL4005', 'DL4006'];
    // hadolint never had DL3017 behaviour we keep, DL3031 and DL3039 were retired, DL4002 does not exist.
    const missing = [...buildkit, ...dl].filter((id) => !ids.has(id) && !['DL3005', 'DL3017', 'DL3031', 'DL3039'].includes(id));
    expect(missing).to.deep.equal([]);
  });
});
