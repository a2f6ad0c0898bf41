// The server: wires the pure features to an LSP connection. Documents sync incrementally;
// diagnostics follow typing after a short pause, and right away on open.
import {
  CodeActionKind, DidChangeWatchedFilesNotification, LSPErrorCodes, ResponseError, TextDocumentSyncKind, TextDocuments, createConnection,
  type Connection, type InitializeResult,
} from 'vscode-languageserver/node.js';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { keepParsedScripts, type ImageLookup } from '@dfc/lint';
import { analyze, type Analysis } from './analysis.js';
import { codeActions } from './code-actions.js';
import { LintConfigs, userConfigPaths, type ConfigLookup } from './config.js';
import { completion } from './completion.js';
import { lspDiagnostics } from './diagnostics.js';
import { foldingRanges } from './folding.js';
import { formatDocument } from './formatting.js';
import { hover } from './hover.js';
import { definition, prepareRename, renameStage } from './navigation.js';
import { documentSymbols } from './symbols.js';

export interface ServerOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Pause after the last change before diagnostics are recomputed, in ms. Default 200. */
  debounceMs?: number;
  /** User-level lint config files, in the order tried; default hadolint's (from $XDG_CONFIG_HOME, ~). */
  userConfigPaths?: readonly string[];
  /** The platforms of base images the server can see (for InvalidBaseImagePlatform); `dfc lsp` reads the store's at start. */
  images?: ImageLookup;
}

export const SERVER_NAME = 'dfc';

/**
 * Serves one client until the connection closes. vscode-languageserver ends the process on
 * the `exit` notification or when the input closes (0 after `shutdown`, else 1), as the LSP says.
 */
export function startServer(options: ServerOptions): Promise<void> {
  const connection = createConnection(options.input, options.output);
  const closed = new Promise<void>((resolve) => connection.onExit(resolve));
  serve(connection, { debounceMs: options.debounceMs ?? 200, configs: new LintConfigs(options.userConfigPaths ?? userConfigPaths(process.env)), images: options.images });
  connection.listen();
  return closed;
}

export function serve(connection: Connection, options: { debounceMs: number; configs: LintConfigs; images?: ImageLookup | undefined }): void {
  // Every keystroke lints the document again: its RUN lines are parsed once.
  keepParsedScripts(true);
  const documents = new TextDocuments(TextDocument);
  const analyses = new Map<string, { version: number; config: ConfigLookup; analysis: Analysis }>();
  const timers = new Map<string, NodeJS.Timeout>();
  const reported = new Set<string>();

  // Cached per document version and config lookup (the same object while the file is unchanged).
  const analysisOf = (document: TextDocument): Analysis => {
    const fileName = fileNameOf(document.uri);
    const config = options.configs.forFile(fileName);
    if (config.error && !reported.has(config.error)) {
      reported.add(config.error);
      void connection.window.showErrorMessage(`dfc: ${config.error} (linting with the default rules until it is fixed)`);
    }
    const cached = analyses.get(document.uri);
    if (cached && cached.version === document.version && cached.config === config) return cached.analysis;
    const analysis = analyze(document.getText(), { fileName, config: config.config, images: options.images });
    analyses.set(document.uri, { version: document.version, config, analysis });
    return analysis;
  };
  const withDocument = <T>(uri: string, empty: T, feature: (a: Analysis, document: TextDocument) => T): T => {
    const document = documents.get(uri);
    return document ? feature(analysisOf(document), document) : empty;
  };
  // Opening a document also reports a change: publish each analysis once.
  const published = new Map<string, Analysis>();
  const publish = (uri: string) => {
    timers.delete(uri);
    const document = documents.get(uri);
    if (!document) return;
    const analysis = analysisOf(document);
    if (published.get(uri) === analysis) return;
    published.set(uri, analysis);
    void connection.sendDiagnostics({ uri, version: document.version, diagnostics: lspDiagnostics(analysis) });
  };

  let watchConfigs = false;
  connection.onInitialize((params): InitializeResult => {
    watchConfigs = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        hoverProvider: true,
        completionProvider: { triggerCharacters: ['$', '{', '=', '-'] },
        documentSymbolProvider: true,
        definitionProvider: true,
        renameProvider: { prepareProvider: true },
        foldingRangeProvider: true,
        documentFormattingProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.SourceFixAll] },
      },
      serverInfo: { name: SERVER_NAME },
    };
  });
  // A changed .hadolint.yaml changes every open document's diagnostics.
  connection.onInitialized(() => {
    if (watchConfigs) void connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/{.hadolint,hadolint}.{yaml,yml}' }] });
  });
  connection.onDidChangeWatchedFiles(() => {
    for (const document of documents.all()) publish(document.uri);
  });

  documents.onDidOpen((e) => publish(e.document.uri));
  documents.onDidChangeContent((e) => {
    const uri = e.document.uri;
    clearTimeout(timers.get(uri));
    timers.set(uri, setTimeout(() => publish(uri), options.debounceMs));
  });
  documents.onDidClose((e) => {
    clearTimeout(timers.get(e.document.uri));
    timers.delete(e.document.uri);
    analyses.delete(e.document.uri);
    published.delete(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  connection.onHover((p) => withDocument(p.textDocument.uri, null, (a) => hover(a, p.position)));
  connection.onCompletion((p) => withDocument(p.textDocument.uri, [], (a) => completion(a, p.position)));
  connection.onDocumentSymbol((p) => withDocument(p.textDocument.uri, [], (a) => documentSymbols(a)));
  connection.onDefinition((p) =>
    withDocument(p.textDocument.uri, null, (a) => {
      const range = definition(a, p.position);
      return range ? { uri: p.textDocument.uri, range } : null;
    }),
  );
  connection.onPrepareRename((p) => withDocument(p.textDocument.uri, null, (a) => prepareRename(a, p.position)));
  connection.onRenameRequest((p) =>
    withDocument(p.textDocument.uri, null, (a) => {
      const result = renameStage(a, p.position, p.newName);
      if (!result.ok) throw new ResponseError(LSPErrorCodes.RequestFailed, result.message);
      return { changes: { [p.textDocument.uri]: result.edits } };
    }),
  );
  connection.onFoldingRanges((p) => withDocument(p.textDocument.uri, [], (a) => foldingRanges(a)));
  connection.onDocumentFormatting((p) => withDocument(p.textDocument.uri, [], (a) => formatDocument(a)));
  connection.onCodeAction((p) => withDocument(p.textDocument.uri, [], (a) => codeActions(a, p.textDocument.uri, p.range, p.context.only)));

  documents.listen(connection);
}

function fileNameOf(uri: string): string | undefined {
  if (!uri.startsWith('file://')) return undefined;
  try {
    return decodeURIComponent(new URL(uri).pathname);
  } catch {
    return undefined;
  }
}
