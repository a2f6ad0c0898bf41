// The Dockerfile grammar: rules only, no actions (the AST is built from the CST in build.ts).
//
// A Dockerfile is a sequence of lines. An instruction starts at its keyword and runs to the
// end of its last physical line (continuations join lines), followed by its heredoc bodies.
// What the arguments mean depends on the keyword and is decided on the joined line, exactly
// as BuildKit does, by the AST builder; the grammar fixes the line structure.
import { CstParser, type CstNode, type IToken } from 'chevrotain';
import {
  allTokens, Bom, Comment, Continuation, ContinuationComment, EmptyContinuationLine, Escape, HeredocBody,
  InstructionEnd, Keyword, LineContinuation, LineEscape, Newline, Text, Whitespace,
} from './tokens.js';

export class DockerfileParser extends CstParser {
  constructor() {
    super(allTokens, { recoveryEnabled: true, nodeLocationTracking: 'none', skipValidations: true });
    this.performSelfAnalysis();
  }

  /** dockerfile := item* */
  public dockerfile = this.RULE('dockerfile', () => {
    this.MANY(() => this.SUBRULE(this.item));
  });

  /** item := Bom | Whitespace | Newline | Comment | instruction */
  public item = this.RULE('item', () => {
    this.OR([
      { ALT: () => this.CONSUME(Bom) },
      { ALT: () => this.CONSUME(Whitespace) },
      { ALT: () => this.CONSUME(Newline) },
      { ALT: () => this.CONSUME(Comment) },
      { ALT: () => this.SUBRULE(this.instruction) },
    ]);
  });

  /** instruction := (Keyword | LineEscape | continuation) piece* InstructionEnd? HeredocBody* */
  public instruction = this.RULE('instruction', () => {
    this.OR([
      { ALT: () => this.CONSUME(Keyword) },
      { ALT: () => this.CONSUME(LineEscape) },
      { ALT: () => this.SUBRULE(this.continuation) },
    ]);
    this.MANY(() => this.SUBRULE(this.piece));
    this.OPTION(() => this.CONSUME(InstructionEnd));
    this.MANY2(() => this.CONSUME(HeredocBody));
  });

  /** piece := Text | Escape | continuation */
  public piece = this.RULE('piece', () => {
    this.OR([
      { ALT: () => this.CONSUME(Text) },
      { ALT: () => this.CONSUME(Escape) },
      { ALT: () => this.SUBRULE(this.continuation) },
    ]);
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

export function parseTokens(tokens: IToken[]): { cst: CstNode; errors: { token: IToken; message: string }[] } {
  const parser = grammar();
  parser.input = tokens;
  const cst = parser.dockerfile();
  return { cst, errors: parser.errors.map((e) => ({ token: e.token, message: e.message })) };
}
