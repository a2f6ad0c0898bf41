// What lint keeps of a shell script: the words of the simple commands that run, in source order.
// There is no tree: the rules read only commands and words, and building and walking one took a
// fifth of the time.

/**
 * A word as parsed, before variables are looked up: literal text (quotes and backslash escapes
 * removed as sh removes them; `$'…'` as written), `$NAME` or `${NAME}`, or something opaque (any
 * other expansion or substitution). Adjacent literal text is one part, and empty text is no part.
 */
export type RawPart = { lit: string } | { param: string } | { opaque: true };

/**
 * A word: its text when it is literal text only (most words are), else its parts. Parsed scripts
 * are kept (shell.ts), and a string alone costs the heap and the collector less than an array
 * holding an object.
 */
export type RawWord = string | RawPart[];

export interface RawScript {
  /**
   * The words of each simple command (its assignments left out; `a=1` alone has none), in the
   * order they end: a command comes after those of the `$(…)` and backquotes in its words. Commands
   * in the words of assignments, redirections, declarations, `for`, `case` and `[[ … ]]`, inside
   * `${…}`, arithmetic, `<(…)` and here-documents are not read.
   */
  commands: RawWord[][];
  /** A `|` or `|&` pipeline appears among the commands read. */
  hasPipe: boolean;
}
