// RUN commands read through a shell parser (sh/), after substituting the ARG/ENV values known
// at that point. The rules see simple commands with their words, never raw text.
import type { Scope } from './model.js';
import { parseScript } from './sh/parser.js';
import type { RawScript, RawWord } from './sh/script.js';

export type { RawPart, RawScript, RawWord } from './sh/script.js';

/** One word of a command. `known` is false when part of it is a variable or substitution we cannot see through. */
export interface ShellWord {
  text: string;
  known: boolean;
}

export interface ShellCommand {
  /** The command name without its directory (`/usr/bin/apt-get` → `apt-get`); '' when unknown. */
  name: string;
  /** The words after the name. */
  args: ShellWord[];
}

export interface ShellScript {
  /**
   * Simple commands in the order they end (those in `sudo …`, subshells and every `$(…)`, backquote
   * and `<(…)` included, wherever it stands: sh/script.ts says what is read).
   */
  commands: ShellCommand[];
  /** How many simple commands the script runs, as written: `sudo apt-get …` is one (commands lists it twice). */
  written: number;
  /** A `|` or `|&` pipeline appears (in a substitution too). */
  hasPipe: boolean;
}

/**
 * Parsed scripts by text, when keepParsedScripts() asked for them. The parse does not depend on
 * variable values, and editors re-lint the same RUN lines on every keystroke, so a language server
 * keeps the parse (the CACHE_SIZE texts used most recently).
 */
const cache = new Map<string, RawScript | null>();
const CACHE_SIZE = 2000;
let keep = false;

/**
 * Keeps parsed scripts for the next lints (a language server) or not (the default). A run over
 * files parses each RUN once: kept scripts outlive the file and cost the garbage collector more
 * than parsing the RUN lines files share again (about a tenth of a lint pass over the corpus).
 */
export function keepParsedScripts(on: boolean): void {
  keep = on;
  if (!on) cache.clear();
}

/** Parses a shell-form RUN command; undefined when it is not valid shell (rules then say nothing). */
export function parseShell(text: string, scope: Scope): ShellScript | undefined {
  const raw = keep ? keptParse(text) : parseRaw(text);
  if (raw === null) return undefined;
  const script: ShellScript = { commands: [], written: 0, hasPipe: raw.hasPipe };
  for (const words of raw.commands) {
    if (words.length > 0) script.written++;
    pushCommand(script.commands, words.map((w) => resolveWord(w, scope)));
  }
  return script;
}

function keptParse(text: string): RawScript | null {
  let raw = cache.get(text);
  if (raw === undefined) {
    raw = parseRaw(text);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  } else {
    // Least recently used goes first: a text seen again moves to the end.
    cache.delete(text);
  }
  cache.set(text, raw);
  return raw;
}

/** The simple commands of a script, their words not yet resolved; null when it is not valid shell. */
export function parseRaw(text: string): RawScript | null {
  return parseScript(text);
}

function resolveWord(word: RawWord, scope: Scope): ShellWord {
  if (typeof word === 'string') return { text: word, known: true };
  const out = { text: '', known: true };
  for (const p of word) {
    if ('lit' in p) out.text += p.lit;
    else if ('param' in p) {
      const value = scope.get(p.param);
      if (value !== undefined) out.text += value;
      else {
        out.text += `\${${p.param}}`;
        out.known = false;
      }
    } else {
      out.text += '$(…)';
      out.known = false;
    }
  }
  return out;
}

/** Commands that run the rest of their words as a command: look through them. */
const WRAPPERS = new Set(['sudo', 'nohup', 'time', 'exec', 'command', 'eval', 'xargs', 'env', 'doas', 'gosu', 'su-exec', 'chroot']);

function pushCommand(out: ShellCommand[], words: ShellWord[]): void {
  if (words.length === 0) return;
  const first = words[0]!;
  const name = first.known ? baseName(first.text) : '';
  out.push({ name, args: words.slice(1) });
  if (WRAPPERS.has(name)) {
    let i = 1;
    // Skip the wrapper's own options and `env`'s NAME=value words.
    while (i < words.length && words[i]!.known && (words[i]!.text.startsWith('-') || (name === 'env' && words[i]!.text.includes('=')))) i++;
    if ((name === 'gosu' || name === 'su-exec' || name === 'chroot') && i < words.length) i++;
    if (i < words.length) pushCommand(out, words.slice(i));
  }
}

function baseName(path: string): string {
  // indexOf first: most names have no slash, and lastIndexOf is a slower call in V8.
  return path.indexOf('/') < 0 ? path : path.slice(path.lastIndexOf('/') + 1);
}
