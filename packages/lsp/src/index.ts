// @dfc/lsp: the language server over stdio.
//
//   server.ts        the connection: document sync, debounced diagnostics, request wiring
//   analysis.ts      one document's AST and diagnostics, and LSP ↔ AST positions
//   names.ts         stages, references to them, ARG/ENV scopes and values
//   diagnostics.ts   diagnostics in the LSP's shape;  code-actions.ts  fixes and ignore comments
//   config.ts        finding and reading .hadolint.yaml for a document (the server's only file I/O)
//   hover.ts  completion.ts  symbols.ts  navigation.ts (definition, rename)  folding.ts  formatting.ts
//
// Every feature is a pure function of an Analysis, testable without a connection.
export { startServer, serve, SERVER_NAME, type ServerOptions } from './server.js';
export { analyze, type Analysis, type AnalyzeOptions } from './analysis.js';
export { lspDiagnostics, toLspDiagnostic } from './diagnostics.js';
export { hover } from './hover.js';
export { completion } from './completion.js';
export { documentSymbols } from './symbols.js';
export { definition, prepareRename, renameStage, type RenameResult } from './navigation.js';
export { foldingRanges } from './folding.js';
export { formatDocument, formatText } from './formatting.js';
export { codeActions, fixAll, ignoreEdit } from './code-actions.js';
export { LintConfigs, userConfigPaths, type ConfigLookup } from './config.js';
