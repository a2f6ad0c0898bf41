// @dfc/ir: AST → IR → build graph.

// Shell-word expansion with BuildKit's semantics: `$VAR`, `${VAR…}`, quotes, escapes, splitting.
export { expandWord, expandWords } from './expand.js';
export type { Environment, EscapeChar, ExpandError, ExpandOptions, Expansion, VariableReads } from './expand.js';
