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
  FirstLine, InstructionEnd, Kind, kindOf, LineContinuation, Newline, streamTokens, Text, Whitespace, type TokenStream,
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

/** Checks a token stream against the grammar; errors mean a bug in the lexer, not bad input. */
export function checkStream(text: string, stream: TokenStream): { token: IToken; message: string }[] {
  // Chevrotain's check costs a sixth of a parse; it runs only to say what is wrong.
  if (kindsFitGrammar(stream.kinds, stream.count)) return [];
  const parser = grammar();
  parser.input = streamTokens(text, stream);
  parser.dockerfile();
  return parser.errors.map((e) => ({ token: e.token, message: e.message }));
}

/** Whether Chevrotain tokens have the grammar's shape (what kindsFitGrammar decides). */
export function fitsGrammar(tokens: readonly IToken[]): boolean {
  return kindsFitGrammar(tokens.map((t) => kindOf(t.tokenType)), tokens.length);
}

/**
 * The grammar above as a state machine over token kinds: true when the stream has its shape.
 * The grammar is regular and its loops are greedy (a continuation after an instruction's text
 * continues that instruction), so one pass with one token of lookahead decides, as the parser does.
 */
function kindsFitGrammar(kinds: ArrayLike<number>, count: number): boolean {
  // top: between instructions; body: in an instruction's line; cont: after a continuation
  // (comment and empty lines may follow); bodies: after the line end (heredoc bodies may follow).
  let state: 'top' | 'body' | 'cont' | 'bodies' = 'top';
  for (let i = 0; i < count; i++) {
    const t = kinds[i]!;
    if (state === 'cont' && (t === Kind.ContinuationComment || t === Kind.EmptyContinuationLine)) continue;
    if (state === 'body' || state === 'cont') {
      if (t === Kind.Text || t === Kind.Escape) state = 'body';
      else if (t === Kind.Continuation || t === Kind.LineContinuation) state = 'cont';
      else if (t === Kind.InstructionEnd || t === Kind.HeredocBody) state = 'bodies';
      else state = 'top';
      if (state !== 'top') continue;
    }
    if (state === 'bodies') {
      if (t === Kind.HeredocBody) continue;
      state = 'top';
    }
    if (t === Kind.Bom || t === Kind.Whitespace || t === Kind.Newline || t === Kind.Comment) continue;
    if (t === Kind.FirstLine) state = 'body';
    else if (t === Kind.Continuation || t === Kind.LineContinuation) state = 'cont';
    else return false;
  }
  return true;
}
