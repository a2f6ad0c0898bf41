// What makes dfc's rules read a Dockerfile the way a build does: ARG/ENV values, stages,
// cache mounts, and files with syntax errors.
import { expect } from 'chai';
import { lintText } from '../src/index.js';
import { codes, fired } from './helpers.js';

describe('lint semantics', () => {
  it('FROM ${BASE} is checked with the ARG default, and not at all when the value is unknown', () => {
    expect(fired('ARG BASE=ubuntu:22.04\nFROM ${BASE}\n', 'DL3006')).to.equal(false);
    const d = lintText('ARG BASE=ubuntu\nFROM $BASE\n').diagnostics.find((x) => x.code === 'DL3006');
    expect(d?.message).to.contain('ubuntu');
    expect(fired('ARG BASE\nFROM $BASE\n', 'DL3006')).to.equal(false);
    expect(fired('ARG TAG=latest\nFROM node:$TAG\n', 'DL3007')).to.equal(true);
  });

  it('package names from ARG and ENV are read with their values', () => {
    expect(fired('FROM debian:12\nARG PKGS="curl=7.88.1-10"\nRUN apt-get install -y --no-install-recommends $PKGS\n', 'DL3008')).to.equal(false);
    const d = lintText('FROM debian:12\nENV TOOL=curl\nRUN apt-get install -y --no-install-recommends "$TOOL"\n').diagnostics.find((x) => x.code === 'DL3008');
    expect(d?.message).to.contain('curl');
    expect(fired('FROM debian:12\nRUN apt-get install -y --no-install-recommends $PKGS\n', 'DL3008')).to.equal(false);
  });

  it('reads RUN as shell: quoted words, && chains, subshells and sudo; not words inside strings', () => {
    expect(fired('FROM alpine:3.20\nRUN echo "apk add curl"\n', 'DL3018')).to.equal(false);
    expect(fired('FROM alpine:3.20\nRUN set -e; (cd /tmp && sudo apk add --no-cache curl)\n', 'DL3018')).to.equal(true);
    expect(fired('FROM alpine:3.20\nRUN echo "a|b" > /x\n', 'DL4006')).to.equal(false);
    expect(fired('FROM alpine:3.20\nRUN cat /x | sort\n', 'DL4006')).to.equal(true);
    expect(fired('FROM debian:12\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\nRUN cat /x | sort\n', 'DL4006')).to.equal(false);
  });

  it('respects RUN --mount=type=cache for the package caches', () => {
    expect(fired('FROM alpine:3.20\nRUN --mount=type=cache,target=/var/cache/apk apk add curl=8.9.1-r1\n', 'DL3019')).to.equal(false);
    expect(fired('FROM debian:12\nRUN --mount=type=cache,target=/var/lib/apt/lists apt-get update && apt-get install -y --no-install-recommends curl=1\n', 'DL3009')).to.equal(false);
    expect(fired('FROM python:3.12\nRUN --mount=type=cache,target=/root/.cache/pip pip install requests==2.32.3\n', 'DL3042')).to.equal(false);
  });

  it('runs per stage where that is what matters: root USER and apt lists only in the final stage', () => {
    const build = 'FROM debian:12 AS build\nUSER root\nRUN apt-get update && apt-get install -y --no-install-recommends gcc=4:12.2.0-3\n';
    expect(codes(build + 'FROM debian:12\nCOPY --from=build /x /x\n')).to.not.include.members(['DL3002', 'DL3009']);
    expect(codes('FROM debian:12\nUSER root\n')).to.include('DL3002');
    expect(fired('FROM alpine:3.20 AS a\nCMD ["a"]\nFROM alpine:3.20\nCMD ["b"]\n', 'MultipleInstructionsDisallowed')).to.equal(false);
  });

  it('a file with syntax errors still gets every rule that can run on the rest', () => {
    const d = codes('FROM debian:12\nFROBNICATE now\nRUN apt-get install -y curl\nCOPY\n');
    expect(d).to.include.members(['DF001', 'DL3008', 'DL3015']);
  });

  it('UndefinedVar suggests a close name, and trusts no name a base image may set unless it looks like a typo', () => {
    const d = lintText('FROM scratch\nENV APP_HOME=/app\nWORKDIR $APP_HOEM\n').diagnostics.find((x) => x.code === 'UndefinedVar');
    expect(d?.message).to.contain('APP_HOME');
    expect(fired('FROM node:20\nWORKDIR $NODE_PATH\n', 'UndefinedVar')).to.equal(false);
  });

  it('checks ONBUILD RUN like RUN, and COPY --from images against the trusted registries', () => {
    expect(fired('FROM debian:12\nONBUILD RUN apt-get install -y --no-install-recommends curl\n', 'DL3008')).to.equal(true);
    const config = { trustedRegistries: ['registry.example.com'] };
    const lines = lintText('FROM registry.example.com/alpine:3.20 AS base\nCOPY --from=docker.io/library/busybox:1.36 /bin/busybox /bin/\nCOPY --from=base /etc/os-release /x\n', { config })
      .diagnostics.filter((d) => d.code === 'DL3026').map((d) => d.range.start.line);
    expect(lines).to.deep.equal([2]);
  });

  it('DL3067 reports copying all of a stage the file builds, not of a scratch stage, an image, or a squash into scratch', () => {
    const build = 'FROM golang:1.23 AS build\nRUN go build -o /out/app .\n';
    expect(fired(build + 'FROM alpine:3.20\nCOPY --from=build / /\n', 'DL3067')).to.equal(true);
    expect(fired(build + 'FROM build AS more\nFROM alpine:3.20\nCOPY --from=more /. /\n', 'DL3067')).to.equal(true);
    expect(fired(build + 'FROM alpine:3.20\nCOPY --from=0 / /\n', 'DL3067')).to.equal(true);
    // A stage FROM scratch holds only what was put there.
    expect(fired(build + 'FROM scratch AS out\nCOPY --from=build /out/app /\nFROM alpine:3.20\nCOPY --from=out / /usr/local/bin/\n', 'DL3067')).to.equal(false);
    // Images made to be copied whole, named directly or through a stage with no instructions.
    expect(fired('FROM tonistiigi/xx:1.6.1 AS xx\nFROM golang:1.23\nCOPY --from=xx / /\n', 'DL3067')).to.equal(false);
    expect(fired('FROM golang:1.23\nCOPY --from=docker/buildx-bin:0.17 / /usr/libexec/docker/cli-plugins/\n', 'DL3067')).to.equal(false);
    // An ONBUILD trigger names the stages of the build that uses this image, not of this file.
    expect(fired(build + 'FROM alpine:3.20\nONBUILD COPY --from=build / /\n', 'DL3067')).to.equal(false);
    // Squashing a stage into one layer.
    expect(fired(build + 'FROM scratch\nCOPY --from=build / /\n', 'DL3067')).to.equal(false);
  });

  it('points a finding about a command at the command, not at a package or path with its name', () => {
    const at = (text: string, code: string) => {
      const d = lintText(text).diagnostics.find((x) => x.code === code)!;
      return text.slice(d.range.start.offset - 3, d.range.end.offset);
    };
    expect(at('FROM debian:12\nRUN apt-get install -y --no-install-recommends wget=1 && wget http://example.com/x\n', 'DL3047')).to.equal('&& wget');
    expect(at('FROM debian:12\nRUN echo deb x > /etc/apt/sources.list && \\\n  apt update\n', 'DL3027')).to.equal('\n  apt');
    expect(at('FROM alpine:3.20\nRUN --mount=type=bind,target=/x sudo wget http://example.com/x\n', 'DL3047')).to.equal('do wget');
    expect(at('FROM alpine:3.20\nRUN test -f /x || echo "a|b" \\\n  # x | y\n  && cat /x | sort\n', 'DL4006')).to.equal('/x |');
    // A line continued with the file's escape character is not the start of a command.
    expect(at('# escape=`\nFROM debian:12\nRUN apt-get install -y `\n    wget `\n && wget http://example.com/x\n', 'DL3047')).to.equal('&& wget');
    expect(at('FROM debian:12\r\nRUN apt-get install -y \\\r\n    wget \\\r\n && wget http://example.com/x\r\n', 'DL3047')).to.equal('&& wget');
    expect(at('FROM debian:12\nRUN if true; then curl -o /x http://example.com/x; fi && wget http://example.com/y\n', 'DL4001')).to.equal('en curl');
  });

  it('DL3045 leaves alone a stage built FROM scratch: its working directory is /', () => {
    expect(fired('FROM scratch\nCOPY app bin/\n', 'DL3045')).to.equal(false);
    expect(fired('FROM scratch AS base\nCOPY app bin/\nFROM base\nCOPY conf etc/\n', 'DL3045')).to.equal(false);
    expect(fired('FROM alpine:3.20 AS base\nFROM base\nCOPY conf etc/\n', 'DL3045')).to.equal(true);
  });

  it('DL3059 leaves alone a RUN that chains more than two commands, and the RUN after it', () => {
    expect(fired('FROM alpine:3.20\nRUN a && b\n# a comment\nRUN c | d\n', 'DL3059')).to.equal(true);
    expect(fired('FROM alpine:3.20\nRUN a && b && c\nRUN d\n', 'DL3059')).to.equal(false);
    // sudo apt-get is one command as written (the rules also see apt-get on its own).
    expect(fired('FROM debian:12\nRUN sudo apt-get update && sudo apt-get install -y curl\nRUN env A=1 make\n', 'DL3059')).to.equal(true);
    expect(fired('FROM alpine:3.20\nRUN d\nRUN set -e; a; \\\n  b\n', 'DL3059')).to.equal(false);
    expect(fired('FROM alpine:3.20\nRUN --mount=type=cache,target=/root/.cache a\nRUN b\n', 'DL3059')).to.equal(false);
    expect(fired('FROM alpine:3.20\nRUN ["a"]\nRUN echo "x;y&z|w"\n', 'DL3059')).to.equal(true);
  });

  it('DL3060 counts yarn install, add and a bare yarn, not yarn --version', () => {
    expect(fired('FROM node:22\nRUN yarn\n', 'DL3060')).to.equal(true);
    expect(fired('FROM node:22\nRUN yarn add left-pad@1.3.0\n', 'DL3060')).to.equal(true);
    expect(fired('FROM node:22\nRUN ln -s /opt/yarn/bin/yarn /usr/local/bin/yarn && yarn --version\n', 'DL3060')).to.equal(false);
  });

  it('reports IR errors a build would hit, next to the lint findings', () => {
    expect(codes('FROM alpine:3.20\nCOPY --from=7 /a /b\n')).to.include('IR007');
  });
  it('InvalidBaseImagePlatform compares a local image with the stage platform: --platform, ARGs, variants', () => {
    const images = (ref: string) =>
      ({ 'base:arm': { os: 'linux', architecture: 'arm64', variant: 'v8' }, 'base:v6': { os: 'linux', architecture: 'arm', variant: 'v6' }, 'base:amd': { os: 'linux', architecture: 'amd64' } })[ref];
    const hits = (text: string) => lintText(text, { images }).diagnostics.filter((d) => d.code === 'InvalidBaseImagePlatform').map((d) => `${d.range.start.line}: ${d.message}`);
    expect(hits('FROM base:arm\n')).to.deep.equal(['1: Base image base:arm was pulled with platform "linux/arm64/v8", expected "linux/amd64" for current build']);
    expect(hits('FROM --platform=linux/arm64 base:arm\n')).to.deep.equal([]);
    expect(hits('FROM --platform=linux/aarch64 base:arm\n')).to.deep.equal([]);
    expect(hits('FROM --platform=linux/arm/v7 base:v6\n')).to.have.length(1);
    expect(hits('ARG TAG=amd\nFROM base:${TAG}\nFROM --platform=$BUILDPLATFORM base:amd\n')).to.deep.equal([]);
    expect(hits('ARG TAG=arm\nFROM base:${TAG} AS b\nFROM b\nFROM scratch\n')).to.have.length(1);
    // Unknown values say nothing: an ARG with no default, a --platform from an unknown ARG, an image not seen.
    expect(hits('ARG TAG\nFROM base:${TAG}\nARG P\nFROM --platform=$P base:arm\nFROM other:1\n')).to.deep.equal([]);
    expect(fired('FROM base:arm\n', 'InvalidBaseImagePlatform')).to.equal(false);
  });
});
