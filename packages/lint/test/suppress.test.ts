// Turning findings off: ignore comments, BuildKit's check directive, and the config.
import { expect } from 'chai';
import { lintText } from '../src/index.js';
import { codes } from './helpers.js';

const APT = 'RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n';

describe('lint suppressions', () => {
  it('# hadolint ignore= hides the listed rules on the next instruction only, with a reason after #', () => {
    const text = `FROM debian:12\n# hadolint ignore=DL3008 # pinned by the snapshot mirror\n${APT}${APT}`;
    const d = lintText(text).diagnostics.filter((x) => x.code === 'DL3008');
    expect(d.map((x) => x.range.start.line)).to.deep.equal([4]);
    expect(codes(text)).to.include('DL3015');
  });

  it('# dfc ignore= takes several rules', () => {
    expect(codes(`FROM debian:12\n# dfc ignore=DL3008, DL3015\n${APT}`)).to.not.include.members(['DL3008', 'DL3015']);
  });

  it('# hadolint global ignore= hides a rule in the whole file, wherever it is written', () => {
    const text = `FROM debian:12\n${APT}# hadolint global ignore=DL3008\n`;
    expect(codes(text)).to.not.include('DL3008');
  });

  it('ignoring a DL code also hides the BuildKit check that says the same', () => {
    expect(codes('FROM alpine:3.20\n# hadolint ignore=DL4000\nMAINTAINER jo\n')).to.not.include.members(['DL4000', 'MaintainerDeprecated']);
  });

  it('# check=skip= at the top skips BuildKit checks; skip=all skips them all but not DL rules', () => {
    expect(codes('# check=skip=JSONArgsRecommended\nFROM alpine:3.20\nCMD echo hi\n')).to.not.include('JSONArgsRecommended');
    const all = codes('# check=skip=all\nfrom alpine as Build\nCMD echo hi\n');
    expect(all).to.not.include.members(['JSONArgsRecommended', 'StageNameCasing', 'FromAsCasing']);
    expect(all).to.include('DL3025');
  });

  it('# check=error=true makes BuildKit findings errors', () => {
    const d = lintText('# check=error=true\nFROM alpine:3.20\nCMD echo hi\n').diagnostics.find((x) => x.code === 'JSONArgsRecommended');
    expect(d?.severity).to.equal('error');
  });

  it('a # check=skip= comment above FROM covers that stage only, and text after a space is ignored', () => {
    const text = '# two stages\n\n# check=skip=JSONArgsRecommended // runs under tini\nFROM alpine:3.20 AS a\nCMD echo a\nFROM alpine:3.20\nCMD echo b\n';
    const lines = lintText(text).diagnostics.filter((d) => d.code === 'JSONArgsRecommended').map((d) => d.range.start.line);
    expect(lines).to.deep.equal([7]);
  });

  it('the config ignores rules, changes severities, and can disable the ignore comments', () => {
    const text = `FROM debian:12\n# hadolint ignore=DL3008\n${APT}`;
    expect(codes(text, { config: { ignored: ['DL3015'] } })).to.not.include('DL3015');
    const d = lintText(text, { config: { severities: { DL3015: 'error' } } }).diagnostics.find((x) => x.code === 'DL3015');
    expect(d?.severity).to.equal('error');
    expect(codes(text, { config: { disableIgnorePragma: true } })).to.include('DL3008');
    expect(codes(text, { config: { severities: { DL3015: 'off' } } })).to.not.include('DL3015');
  });
});
