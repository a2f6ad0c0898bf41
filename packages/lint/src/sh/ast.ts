// The shell syntax tree lint reads: POSIX sh plus the bash people write in RUN lines. It keeps what
// the rules need (commands, their words, the substitutions that run commands) and leaves out
// positions, comments and the inside of arithmetic and `[[ … ]]`.

export interface Script {
  stmts: Stmt[];
}

/** One command with what applies to it: `!`, a trailing `&`, redirections. */
export interface Stmt {
  command: Command | undefined;
  negated: boolean;
  background: boolean;
  redirects: Redirect[];
}

export type Command =
  | { kind: 'call'; assigns: Assign[]; args: Word[] }
  | { kind: 'binary'; op: '&&' | '||' | '|' | '|&'; left: Stmt; right: Stmt }
  | { kind: 'block'; body: Stmt[] }
  | { kind: 'subshell'; body: Stmt[] }
  | { kind: 'if'; cond: Stmt[]; then: Stmt[]; else: Stmt[] | undefined; elif: Command | undefined }
  | { kind: 'while'; until: boolean; cond: Stmt[]; body: Stmt[] }
  | { kind: 'for'; select: boolean; name: string; items: Word[] | undefined; body: Stmt[] }
  | { kind: 'case'; word: Word; items: CaseItem[] }
  | { kind: 'function'; name: string; body: Stmt }
  | { kind: 'time'; stmt: Stmt | undefined }
  | { kind: 'coproc'; stmt: Stmt }
  /** `declare`, `local`, `export`, `readonly`, `typeset`, `nameref`, `let`: words and assignments the shell itself takes. */
  | { kind: 'declare'; variant: string; args: (Word | Assign)[] }
  /** `(( … ))` and `for (( … ))` headers: arithmetic, not commands. */
  | { kind: 'arithmetic' }
  /** `[[ … ]]` */
  | { kind: 'test'; words: Word[] };

export interface CaseItem {
  patterns: Word[];
  op: ';;' | ';&' | ';;&' | undefined;
  body: Stmt[];
}

/** `NAME=value`, `NAME+=value`, `NAME[i]=value`, `NAME=(a b)` */
export interface Assign {
  kind: 'assign';
  name: string;
  value: Word | undefined;
  array: Word[] | undefined;
}

export interface Redirect {
  op: string;
  fd: string | undefined;
  word: Word;
  /** The body of a here-document (`<<`, `<<-`), as written. */
  heredoc: string | undefined;
}

export interface Word {
  kind: 'word';
  parts: WordPart[];
}

export type WordPart =
  /** Literal text after quote removal and backslash escapes (`'a b'`, `a\ b`, `"a b"` all give `a b`). */
  | { kind: 'lit'; value: string }
  /** `"…"`: its literal parts are unescaped as sh does inside double quotes. */
  | { kind: 'double'; parts: WordPart[] }
  /** `$'…'`, its text as written (escapes not decoded). */
  | { kind: 'ansi'; value: string }
  /** `$NAME` or `${NAME}` when `plain`; any other `${…}` (operators, `#`, `!`, index) is not plain. */
  | { kind: 'param'; name: string; plain: boolean; words: Word[] }
  | { kind: 'command'; body: Stmt[] }
  /** `<(…)`, `>(…)` */
  | { kind: 'process'; body: Stmt[] }
  /** `$((…))`, `$[…]` */
  | { kind: 'arithmetic' }
  /** `@(…)`, `!(…)`, `*(…)`, `+(…)`, `?(…)` */
  | { kind: 'extglob'; pattern: string };
