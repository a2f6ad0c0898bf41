// Chevrotain, loaded from its single-file build. The package exports only its unbundled
// modules, whose ~650 lodash-es files cost half a second at every start of dfc; the bundle of
// the same version loads in a tenth of that.
import type * as Chevrotain from 'chevrotain';

const bundle = new URL('../chevrotain.mjs', import.meta.resolve('chevrotain'));
const chevrotain = (await import(bundle.href)) as typeof Chevrotain;

export const { createToken, createSyntaxDiagramsCode, EmbeddedActionsParser, Lexer } = chevrotain;
