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
   * order they end. A simple command ends with the last of its words, assignments and
   * redirections (a here-document's body is not part of it), so it comes after the commands of
   * every `$(…)`, backquote and `<(…)`/`>(…)` in those, wherever they stand: `A=$(a) b >$(c) $(d)`
   * gives a, c, d, b.
   *
   * Every command that runs is read, wherever its substitution stands: in a command's words, in
   * assignments (`A=$(a)`), redirections, declarations (`export P=$(go env GOPATH)`), `for` lists,
   * `case` words and patterns, `[[ … ]]`, inside `${…}` (`${x:-$(a)}`), arithmetic and `<(…)`.
   * An unquoted here-document's body is data, but the commands of its substitutions run when the
   * document is read: they come where the body stands, after the commands that end on the line
   * of its `<<`. What is not a command is not read: declarations themselves (`export`, `local`…),
   * the words of assignments and redirections (only their substitutions), a here-document's
   * delimiter, extended-glob patterns (`@(…)`, whose text is a pattern) and quoted here-documents.
   */
  commands: RawWord[][];
  /** A `|` or `|&` pipeline appears among the commands read (in a substitution too). */
  hasPipe: boolean;
}
