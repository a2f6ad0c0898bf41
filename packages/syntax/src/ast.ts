// The Dockerfile AST: what every later stage (ir, lint, lsp, the CLI) reads.
//
// Positions: `line` and `column` count from 1 (column in UTF-16 code units, as JavaScript
// strings and the LSP count them; a byte-order mark takes no column), `offset` counts from 0
// into the text given to parse(). A range's end is exclusive.
//
// The tree is lossless: every character of the input belongs to exactly one top-level node,
// and print() gives the input back from the nodes' `text`.

export interface Position {
  line: number;
  column: number;
  offset: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export type Severity = 'error' | 'warning' | 'info' | 'hint';

export interface TextEdit {
  range: Range;
  newText: string;
}

export interface Fix {
  title: string;
  edits: TextEdit[];
}

/** One diagnostic type for syntax, ir and lint. Codes are stable; see DIAGNOSTIC_CODES. */
export interface Diagnostic {
  code: string;
  severity: Severity;
  message: string;
  range: Range;
  fix?: Fix;
}

export interface Dockerfile {
  kind: 'dockerfile';
  range: Range;
  /** The escape character in force: `\` unless an `# escape=` directive says otherwise. */
  escapeChar: '\\' | '`';
  /** Set when the text starts with a byte-order mark (kept in `children[0].text`). */
  bom: boolean;
  /** Every top-level node in source order; together their `text` is the whole input. */
  children: TopLevel[];
  /** Views of `children`. */
  directives: Directive[];
  instructions: Instruction[];
}

export type TopLevel = Directive | Comment | Blank | Instruction | Bom;

export interface Bom {
  kind: 'bom';
  range: Range;
  text: string;
}

/** Blank lines and the whitespace between nodes. */
export interface Blank {
  kind: 'blank';
  range: Range;
  text: string;
}

/** A parser directive at the top of the file: `# syntax=…`, `# escape=…`, `# check=…`. */
export interface Directive {
  kind: 'directive';
  range: Range;
  text: string;
  /** Lower-cased name. */
  name: 'syntax' | 'escape' | 'check';
  value: string;
  nameRange: Range;
  valueRange: Range;
}

/** A comment line (`# …`). `value` is the text after `#`, trimmed. */
export interface Comment {
  kind: 'comment';
  range: Range;
  text: string;
  value: string;
}

/** A word of an instruction as written (quotes and escapes kept), with its range. */
export interface Word {
  value: string;
  range: Range;
}

/** `--name=value` before the arguments. `value` is undefined for a bare `--name`. */
export interface Flag {
  kind: 'flag';
  range: Range;
  /** As BuildKit reads it: quotes and escapes removed, e.g. `--from=build`. */
  text: string;
  name: string;
  nameRange: Range;
  value: string | undefined;
  valueRange: Range | undefined;
}

/** A key/value pair of ENV or LABEL. In the legacy form `ENV k v w`, `value` is the rest. */
export interface KeyValue {
  range: Range;
  key: Word;
  value: Word;
}

/** RUN, CMD, ENTRYPOINT, SHELL and HEALTHCHECK CMD: a JSON array or a shell command line. */
export type CommandLine =
  | { form: 'exec'; range: Range; items: Word[] }
  | { form: 'shell'; range: Range; text: Word };

/** The body of a heredoc, with its terminator line. */
export interface Heredoc {
  kind: 'heredoc';
  /** Body and terminator line (its newline excluded). */
  range: Range;
  /** The terminator name, quotes removed. */
  name: string;
  /** The body lines as written, each with its line ending; the terminator excluded. */
  content: string;
  contentRange: Range;
  chomp: boolean;
  expand: boolean;
  fileDescriptor: number | undefined;
  /** Range of the `<<EOF` marker in the instruction. */
  markerRange: Range;
}

export type InstructionName =
  | 'FROM' | 'RUN' | 'CMD' | 'LABEL' | 'MAINTAINER' | 'EXPOSE' | 'ENV' | 'ADD' | 'COPY'
  | 'ENTRYPOINT' | 'VOLUME' | 'USER' | 'WORKDIR' | 'ARG' | 'ONBUILD' | 'STOPSIGNAL'
  | 'HEALTHCHECK' | 'SHELL';

export const INSTRUCTION_NAMES: readonly InstructionName[] = [
  'FROM', 'RUN', 'CMD', 'LABEL', 'MAINTAINER', 'EXPOSE', 'ENV', 'ADD', 'COPY', 'ENTRYPOINT',
  'VOLUME', 'USER', 'WORKDIR', 'ARG', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL',
];

interface InstructionBase {
  kind: 'instruction';
  /**
   * From the first character of the keyword to the end of the last line it consumed
   * (continuation lines and heredoc bodies included, the final newline excluded).
   */
  range: Range;
  /** The instruction's source text: continuation lines, the final newline and heredoc bodies included. */
  text: string;
  /** The keyword as written (after joining continuations), e.g. `run` or `Copy`. */
  keyword: string;
  keywordRange: Range;
  flags: Flag[];
  /** The argument text after the flags, as written (continuations joined), and its range. */
  args: Word | undefined;
  /** BuildKit's argument nodes: what its parser would produce for this instruction. */
  argNodes: Word[];
  /** The line continuations (the escape character and the blanks after it, newline excluded). */
  continuations: Range[];
  /** Comment lines inside a continued instruction (BuildKit drops them). */
  comments: Comment[];
  /** Empty lines inside a continued instruction (deprecated; BuildKit warns). */
  emptyContinuationLines: Range[];
  /** Heredoc markers and bodies (RUN, COPY, ADD, and ONBUILD of those). */
  heredocs: Heredoc[];
}

export interface FromInstruction extends InstructionBase {
  name: 'FROM';
  image: Word | undefined;
  /** The `AS` keyword and the stage name, when present. */
  asKeyword: Word | undefined;
  stageName: Word | undefined;
}

export interface CommandInstruction extends InstructionBase {
  name: 'RUN' | 'CMD' | 'ENTRYPOINT' | 'SHELL';
  command: CommandLine | undefined;
}

export interface KeyValueInstruction extends InstructionBase {
  name: 'ENV' | 'LABEL';
  /** True for the legacy `ENV key value…` form (one pair, the value is the rest of the line). */
  legacy: boolean;
  pairs: KeyValue[];
}

export interface ArgDeclaration {
  range: Range;
  name: Word;
  /** The default, as written after `=`; undefined without `=`. */
  value: Word | undefined;
}

export interface ArgInstruction extends InstructionBase {
  name: 'ARG';
  declarations: ArgDeclaration[];
}

export interface CopyInstruction extends InstructionBase {
  name: 'COPY' | 'ADD';
  form: 'exec' | 'shell' | undefined;
  /** Sources as written (`<<EOF` for a heredoc source). */
  sources: Word[];
  destination: Word | undefined;
}

export interface ListInstruction extends InstructionBase {
  name: 'EXPOSE' | 'VOLUME';
  form: 'exec' | 'shell' | undefined;
  items: Word[];
}

export interface SingleValueInstruction extends InstructionBase {
  name: 'MAINTAINER' | 'USER' | 'WORKDIR' | 'STOPSIGNAL';
  value: Word | undefined;
}

export interface HealthcheckInstruction extends InstructionBase {
  name: 'HEALTHCHECK';
  /** `NONE`, `CMD`, or whatever word was written there. */
  type: Word | undefined;
  command: CommandLine | undefined;
}

export interface OnbuildInstruction extends InstructionBase {
  name: 'ONBUILD';
  trigger: Instruction | undefined;
}

export interface UnknownInstruction extends InstructionBase {
  name: undefined;
}

export type Instruction =
  | FromInstruction
  | CommandInstruction
  | KeyValueInstruction
  | ArgInstruction
  | CopyInstruction
  | ListInstruction
  | SingleValueInstruction
  | HealthcheckInstruction
  | OnbuildInstruction
  | UnknownInstruction;

export interface ParseResult {
  ast: Dockerfile;
  diagnostics: Diagnostic[];
}
