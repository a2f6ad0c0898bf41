// What each instruction looks like and does, in one place: the grammar reference, the
// language server's hover and completion read it.
import type { InstructionName } from './ast.js';

export interface InstructionReference {
  /** The forms, in the usual notation: [optional], …repeated, | alternatives. */
  synopsis: string[];
  summary: string;
  /** How the parser splits the arguments (BuildKit's rules). */
  arguments: string;
}

export const INSTRUCTION_REFERENCE: Readonly<Record<InstructionName, InstructionReference>> = {
  FROM: {
    synopsis: ['FROM [--platform=PLATFORM] IMAGE[:TAG|@DIGEST] [AS NAME]'],
    summary: 'Starts a build stage from a base image, an earlier stage, or scratch.',
    arguments: 'words split on blanks; one word, or three with AS (any case) in the middle',
  },
  RUN: {
    synopsis: ['RUN [--mount=…]… [--network=default|none|host] [--security=sandbox|insecure] COMMAND', 'RUN ["EXECUTABLE", "ARG", …]', 'RUN <<EOF … EOF'],
    summary: 'Runs a command in a new layer on top of the current image.',
    arguments: 'exec form when the text is a JSON array of strings, else one shell command line; heredocs in shell form',
  },
  CMD: {
    synopsis: ['CMD ["EXECUTABLE", "ARG", …]', 'CMD ["ARG", …]', 'CMD COMMAND'],
    summary: 'Sets the default command (or the default arguments of the ENTRYPOINT).',
    arguments: 'exec form when the text is a JSON array of strings, else one shell command line',
  },
  LABEL: {
    synopsis: ['LABEL KEY=VALUE [KEY=VALUE]…', 'LABEL KEY VALUE (legacy)'],
    summary: 'Adds metadata to the image.',
    arguments: 'KEY=VALUE words (quotes kept, split at the first =); legacy form: a key and the rest of the line',
  },
  MAINTAINER: {
    synopsis: ['MAINTAINER NAME'],
    summary: 'Sets the author field (deprecated: use LABEL org.opencontainers.image.authors).',
    arguments: 'the whole text',
  },
  EXPOSE: {
    synopsis: ['EXPOSE PORT[/PROTOCOL]…'],
    summary: 'Documents the ports the container listens on.',
    arguments: 'words split on blanks',
  },
  ENV: {
    synopsis: ['ENV KEY=VALUE [KEY=VALUE]…', 'ENV KEY VALUE (legacy)'],
    summary: 'Sets environment variables for the following steps and the container.',
    arguments: 'KEY=VALUE words (quotes kept, split at the first =); legacy form: a key and the rest of the line',
  },
  ADD: {
    synopsis: [
      'ADD [--chown=USER[:GROUP]] [--chmod=MODE] [--link] [--checksum=DIGEST] [--keep-git-dir] [--exclude=PATTERN]… SRC… DEST',
      'ADD [OPTIONS] ["SRC", …, "DEST"]',
    ],
    summary: 'Copies files, URLs or git repositories into the image; local tar archives are extracted.',
    arguments: 'exec form when the text is a JSON array of strings, else words split on blanks (quotes not honoured); heredocs as sources',
  },
  COPY: {
    synopsis: [
      'COPY [--from=STAGE|IMAGE] [--chown=USER[:GROUP]] [--chmod=MODE] [--link] [--parents] [--exclude=PATTERN]… SRC… DEST',
      'COPY [OPTIONS] ["SRC", …, "DEST"]',
    ],
    summary: 'Copies files from the build context, a stage or an image into the image.',
    arguments: 'exec form when the text is a JSON array of strings, else words split on blanks (quotes not honoured); heredocs as sources',
  },
  ENTRYPOINT: {
    synopsis: ['ENTRYPOINT ["EXECUTABLE", "ARG", …]', 'ENTRYPOINT COMMAND'],
    summary: 'Sets the executable the container runs.',
    arguments: 'exec form when the text is a JSON array of strings, else one shell command line',
  },
  VOLUME: {
    synopsis: ['VOLUME ["PATH", …]', 'VOLUME PATH…'],
    summary: 'Marks paths as volumes (mount points for external storage).',
    arguments: 'exec form when the text is a JSON array of strings, else words split on blanks',
  },
  USER: {
    synopsis: ['USER USER[:GROUP]', 'USER UID[:GID]'],
    summary: 'Sets the user (and group) for the following steps and the container.',
    arguments: 'the whole text',
  },
  WORKDIR: {
    synopsis: ['WORKDIR PATH'],
    summary: 'Sets the working directory; a relative path is relative to the previous one.',
    arguments: 'the whole text',
  },
  ARG: {
    synopsis: ['ARG NAME[=DEFAULT] [NAME[=DEFAULT]]…'],
    summary: 'Declares a build argument, with an optional default.',
    arguments: 'words (quotes kept)',
  },
  ONBUILD: {
    synopsis: ['ONBUILD INSTRUCTION'],
    summary: 'Adds a trigger instruction that runs when the image is used as a base.',
    arguments: 'the rest of the line is parsed as an instruction of its own',
  },
  STOPSIGNAL: {
    synopsis: ['STOPSIGNAL SIGNAL'],
    summary: 'Sets the signal that stops the container.',
    arguments: 'the whole text',
  },
  HEALTHCHECK: {
    synopsis: [
      'HEALTHCHECK [--interval=D] [--timeout=D] [--start-period=D] [--start-interval=D] [--retries=N] CMD COMMAND',
      'HEALTHCHECK NONE',
    ],
    summary: 'Tells how to test that the container still works, or turns an inherited check off.',
    arguments: 'a type word (CMD or NONE), then a command in exec or shell form',
  },
  SHELL: {
    synopsis: ['SHELL ["EXECUTABLE", "ARG", …]'],
    summary: 'Sets the shell that runs the shell form of RUN, CMD and ENTRYPOINT.',
    arguments: 'exec form only (a JSON array of strings)',
  },
};
