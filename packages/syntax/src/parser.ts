// The Dockerfile grammar: rules only, no actions. The parser checks that the token stream has
// this shape; the AST builder (build.ts) then walks the same tokens in the same shape.
// (A CST would cost more than lexing and building together, for a tree this flat.)
//
// A Dockerfile is a sequence of lines. An instruction starts at its keyword and runs to the
// end of its last physical line (continuations join lines), followed by its heredoc bodies.
// What the arguments mean depends on the keyword and is decided on the joined line, exactly
// as BuildKit does, by the AST builder; the grammar fixes the line structure.
import type { IToken } from 'chevrotain';
import { EmbeddedActionsParser } from './chevrotain.js';
import {
  allTokens, Bom, Comment, Continuation, ContinuationComment, EmptyContinuationLine, Escape, HeredocBody,
  FirstLine, InstructionEnd, LineContinuation, Newline, Text, Whitespace,
} from './tokens.js';

export class DockerfileParser extends EmbeddedActionsParser {
  constructor() {
    super(allTokens, { recoveryEnabled: false, skipValidations: true });
    this.performSelfAnalysis();
  }

  /** dockerfile := (Bom | Whitespace | Newline | Comment | instruction)* */
  public dockerfile = this.RULE('dockerfile', () => {
    this.MANY(() =>
      this.OR([
        { ALT: () => this.CONSUME(Bom) },
        { ALT: () => this.CONSUME(Whitespace) },
        { ALT: () => this.CONSUME(Newline) },
        { ALT: () => this.CONSUME(Comment) },
        { ALT: () => this.SUBRULE(this.instruction) },
      ]),
    );
  });

  /** instruction := (FirstLine | continuation) (Text | Escape | continuation)* InstructionEnd? HeredocBody* */
  public instruction = this.RULE('instruction', () => {
    this.OR([{ ALT: () => this.CONSUME(FirstLine) }, { ALT: () => this.SUBRULE(this.continuation) }]);
    this.MANY(() =>
      this.OR2([
        { ALT: () => this.CONSUME(Text) },
        { ALT: () => this.CONSUME(Escape) },
        { ALT: () => this.SUBRULE2(this.continuation) },
      ]),
    );
    this.OPTION(() => this.CONSUME(InstructionEnd));
    this.MANY2(() => this.CONSUME(HeredocBody));
  });

  /** continuation := (LineContinuation | Continuation) (ContinuationComment | EmptyContinuationLine)* */
  public continuation = this.RULE('continuation', () => {
    this.OR([{ ALT: () => this.CONSUME(LineContinuation) }, { ALT: () => this.CONSUME(Continuation) }]);
    this.MANY(() =>
      this.OR2([{ ALT: () => this.CONSUME(ContinuationComment) }, { ALT: () => this.CONSUME(EmptyContinuationLine) }]),
    );
  });
}

let shared: DockerfileParser | undefined;

/** The parser is stateful between calls but reusable; building it is the costly part. */
export function grammar(): DockerfileParser {
  shared ??= new DockerfileParser();
  return shared;
}

/** Checks the token stream against the grammar; errors mean a bug in the lexer, not bad input. */
export function checkTokens(tokens: IToken[]): { token: IToken; message: string }[] {
  const parser = grammar();
  parser.input = tokens;
  parser.dockerfile();
  return parser.errors.map((e) => ({ token: e.token, message: e.message }));
}
