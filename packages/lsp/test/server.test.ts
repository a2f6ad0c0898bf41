// Starts `dfc lsp --stdio` as a child process and talks to it with the protocol's own client.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import {
  CodeActionRequest, CompletionRequest, DefinitionRequest, DidChangeTextDocumentNotification, DidChangeWatchedFilesNotification, DidOpenTextDocumentNotification,
  DocumentFormattingRequest, DocumentSymbolRequest, ExitNotification, FoldingRangeRequest, HoverRequest, InitializeRequest,
  InitializedNotification, PrepareRenameRequest, PublishDiagnosticsNotification, RegistrationRequest, RenameRequest, ShowMessageRequest, ShutdownRequest,
  StreamMessageReader, StreamMessageWriter, TextDocumentSyncKind, createProtocolConnection,
  type CompletionItem, type CompletionList, type Diagnostic, type DocumentSymbol, type Location, type MarkupContent,
  type ProtocolConnection, type PublishDiagnosticsParams, type TextEdit,
} from 'vscode-languageserver-protocol/node.js';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { Store, putImage, writeLayer } from '@dfc/store';

const dfc = fileURLToPath(new URL('../../../cli/bin/dfc.js', import.meta.url));
const uri = 'file:///project/Dockerfile';
const completionUri = 'file:///project/completion.Dockerfile';

const source = [
  '# syntax=docker/dockerfile:1',
  '# The app, built and tested',
  'ARG BASE=alpine:3.20',
  'ARG VERSION=1.2.3',
  '',
  'FROM ${BASE} AS build',
  'ARG VERSION',
  'ENV APP_HOME=/opt/app \\',
  '    RELEASE=app-${VERSION}',
  'run echo $RELEASE   ',
  'COPY <<EOF /etc/motd',
  'hello  ',
  'EOF',
  '',
  'FROM build AS test',
  'RUN --mount=type=cache,from=build,target=/cache true && \\',
  '',
  '    echo done',
  '',
  'from scratch',
  'COPY --from=build /opt/app /app',
  '',
].join('\n');

describe('dfc lsp --stdio (a client over JSON-RPC)', function () {
  // Generous: the machine may be busy; nothing here measures time.
  this.timeout(60_000);
  let child: ChildProcess;
  let client: ProtocolConnection;
  let document: TextDocument;
  const published: PublishDiagnosticsParams[] = [];
  const waiters: (() => void)[] = [];
  let stderr = '';
  let home: string;
  const messages: string[] = [];
  const registrations: string[] = [];

  /** The `nth` diagnostics published for `forUri` at `version` (waiting up to 30 s). */
  function diagnostics(forUri: string, version: number, nth = 1): Promise<Diagnostic[]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no diagnostics for ${forUri} version ${version}; got ${JSON.stringify(published)}; stderr ${stderr}`)), 30_000);
      const check = () => {
        const found = published.filter((p) => p.uri === forUri && p.version === version)[nth - 1];
        if (!found) return false;
        clearTimeout(timer);
        resolve(found.diagnostics);
        return true;
      };
      const wait = () => {
        if (!check()) waiters.push(wait);
      };
      wait();
    });
  }

  const at = (line: number, character: number) => ({ line, character });
  const lineOf = (text: string) => source.split('\n').indexOf(text);
  const emptyLine = lineOf('FROM build AS test') + 2;
  let emptyCode = '';

  before(async () => {
    // No user-level .hadolint.yaml of whoever runs the tests: the default rules only.
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'dfc-lsp-home-'));
    // A store holding an arm64 image, which the server reads at start (InvalidBaseImagePlatform).
    const store = await Store.open(path.join(home, 'store'));
    const layer = await writeLayer(store, [{ kind: 'file', path: 'etc/os-release', content: 'ID=test\n' }], { mtime: 0 });
    await putImage(store, { config: { os: 'linux', architecture: 'arm64' }, layers: [layer], tags: ['example.com/tools:arm'] });
    await store.close();
    const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), DFC_ROOT: path.join(home, 'store') };
    child = spawn(process.execPath, [dfc, 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env });
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    client = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    client.onRequest(RegistrationRequest.type, (params) => {
      registrations.push(...params.registrations.map((r) => r.method));
    });
    client.onRequest(ShowMessageRequest.type, (params) => {
      messages.push(params.message);
      return null;
    });
    client.onNotification(PublishDiagnosticsNotification.type, (params) => {
      published.push(params);
      for (const w of waiters.splice(0)) w();
    });
    client.listen();
  });

  after(() => {
    client.dispose();
    if (child.exitCode === null) child.kill();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('initializes with incremental sync and every feature', async () => {
    const capabilities = { workspace: { didChangeWatchedFiles: { dynamicRegistration: true } } };
    const result = await client.sendRequest(InitializeRequest.type, { processId: null, rootUri: null, capabilities, workspaceFolders: null });
    const caps = result.capabilities;
    expect(result.serverInfo?.name).to.equal('dfc');
    expect(caps.textDocumentSync).to.deep.include({ openClose: true, change: TextDocumentSyncKind.Incremental });
    expect(caps.hoverProvider).to.equal(true);
    expect(caps.completionProvider?.triggerCharacters).to.include('$');
    expect(caps.documentSymbolProvider).to.equal(true);
    expect(caps.definitionProvider).to.equal(true);
    expect(caps.renameProvider).to.deep.equal({ prepareProvider: true });
    expect(caps.foldingRangeProvider).to.equal(true);
    expect(caps.documentFormattingProvider).to.equal(true);
    expect(caps.codeActionProvider).to.deep.equal({ codeActionKinds: ['quickfix', 'source.fixAll'] });
    await client.sendNotification(InitializedNotification.type, {});
  });

  it('publishes diagnostics when a document opens', async () => {
    document = TextDocument.create(uri, 'dockerfile', 1, source);
    await client.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'dockerfile', version: 1, text: source } });
    const found = await diagnostics(uri, 1);
    // The empty line inside the continued RUN (the parser's DF010, or BuildKit's NoEmptyContinuation once lint runs).
    const empty = found.find((d) => d.range.start.line === emptyLine);
    expect(empty, JSON.stringify(found)).to.not.equal(undefined);
    expect(empty!.message).to.match(/empty continuation/i);
    expect(empty!.source).to.equal('dfc');
    emptyCode = String(empty!.code);
    expect(found.some((d) => d.code === 'DF001')).to.equal(false);

    // Lint's rules run too: the lower-case `run` among upper-case instructions, with its rule's page.
    const casing = found.find((d) => d.code === 'ConsistentInstructionCasing' && d.range.start.line === lineOf('run echo $RELEASE   '));
    expect(casing, JSON.stringify(found)).to.not.equal(undefined);
    expect(casing!.codeDescription?.href).to.match(/^https:\/\//);
  });

  it('updates diagnostics after incremental changes', async () => {
    // Type a misspelt instruction on the empty line after the heredoc, then correct it.
    const line = lineOf('EOF') + 1;
    const insert = { range: { start: at(line, 0), end: at(line, 0) }, text: 'RUN2 echo hi' };
    document = TextDocument.update(document, [insert], 2);
    await client.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 2 }, contentChanges: [insert] });
    const broken = await diagnostics(uri, 2);
    const unknown = broken.find((d) => d.code === 'DF001')!;
    expect(unknown.range).to.deep.equal({ start: at(line, 0), end: at(line, 4) });
    expect(unknown.message).to.match(/RUN2/);

    // The quick fix the diagnostic carries comes back as a code action.
    const actions = await client.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: unknown.range, context: { diagnostics: [unknown] } });
    const fix = actions?.find((x) => 'title' in x && x.title === 'Change to RUN');
    expect(fix, JSON.stringify(actions)).to.not.equal(undefined);
    expect('edit' in fix! && fix.edit?.changes?.[uri]).to.deep.equal([{ range: unknown.range, newText: 'RUN' }]);

    const fixIt = { range: { start: at(line, 3), end: at(line, 4) }, text: '' };
    document = TextDocument.update(document, [fixIt], 3);
    await client.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 3 }, contentChanges: [fixIt] });
    const fixed = await diagnostics(uri, 3);

    // Back to the original text for the other features, before anything here can fail.
    const undo = { range: { start: at(line, 0), end: at(line, 11) }, text: '' };
    document = TextDocument.update(document, [undo], 4);
    await client.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 4 }, contentChanges: [undo] });
    expect(document.getText()).to.equal(source);

    expect(fixed.some((d) => d.code === 'DF001')).to.equal(false);
    expect(fixed.some((d) => d.range.start.line === emptyLine)).to.equal(true);
    expect(await diagnostics(uri, 4)).to.deep.equal(await diagnostics(uri, 1));
  });

  it('hovers instructions and variables', async () => {
    const run = lineOf('run echo $RELEASE   ');
    const onVariable = await client.sendRequest(HoverRequest.type, { textDocument: { uri }, position: at(run, 12) });
    const text = (onVariable!.contents as MarkupContent).value;
    expect(text).to.include('RELEASE').and.include('`app-1.2.3`').and.include('line 9');
    expect(onVariable!.range).to.deep.equal({ start: at(run, 9), end: at(run, 17) });

    const from = lineOf('FROM ${BASE} AS build');
    const onBase = await client.sendRequest(HoverRequest.type, { textDocument: { uri }, position: at(from, 8) });
    expect((onBase!.contents as MarkupContent).value).to.include('`alpine:3.20`').and.include('line 3');

    const onKeyword = await client.sendRequest(HoverRequest.type, { textDocument: { uri }, position: at(from, 1) });
    const help = (onKeyword!.contents as MarkupContent).value;
    expect(help).to.include('Starts a build stage').and.include('FROM [--platform=PLATFORM]');
  });

  it('completes instructions, flags, stage names and variables', async () => {
    const text = ['FROM alpine AS build', 'ENV GREETING=hi', 'FROM alpine AS final', 'ARG TAG=v1', 'COPY --from=', 'RUN echo ${', 'COPY --', ''].join('\n');
    await client.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: completionUri, languageId: 'dockerfile', version: 1, text } });
    const complete = async (line: number, character: number) => {
      const result = await client.sendRequest(CompletionRequest.type, { textDocument: { uri: completionUri }, position: at(line, character) });
      return (Array.isArray(result) ? result : (result as CompletionList).items).map((i: CompletionItem) => i.label);
    };
    expect(await complete(7, 0)).to.include.members(['FROM', 'RUN', 'COPY', 'HEALTHCHECK', 'ONBUILD']);
    expect(await complete(4, 12)).to.deep.equal(['build']);
    expect(await complete(5, 11)).to.include('TAG').and.not.include('GREETING');
    expect(await complete(6, 7)).to.include.members(['--from', '--chown', '--chmod', '--link', '--parents', '--exclude']);
  });

  it('lists stages and their steps as document symbols', async () => {
    const symbols = (await client.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } })) as DocumentSymbol[];
    expect(symbols.map((s) => s.name)).to.deep.equal(['BASE', 'VERSION', 'build', 'test', 'stage 2']);
    const build = symbols[2]!;
    expect(build.detail).to.equal('FROM ${BASE}');
    expect(build.range.start.line).to.equal(lineOf('FROM ${BASE} AS build'));
    expect(build.range.end.line).to.equal(lineOf('EOF'));
    expect(build.children!.map((c) => c.name)).to.deep.equal(['ARG', 'ENV', 'RUN', 'COPY']);
  });

  it('goes to the definition of stages and variables', async () => {
    const definitionAt = async (line: number, character: number) => {
      const result = await client.sendRequest(DefinitionRequest.type, { textDocument: { uri }, position: at(line, character) });
      return (result as Location).range;
    };
    const buildName = { start: at(lineOf('FROM ${BASE} AS build'), 16), end: at(lineOf('FROM ${BASE} AS build'), 21) };
    expect(await definitionAt(lineOf('COPY --from=build /opt/app /app'), 14)).to.deep.equal(buildName);
    expect(await definitionAt(lineOf('FROM build AS test'), 6)).to.deep.equal(buildName);
    const env = lineOf('    RELEASE=app-${VERSION}');
    expect(await definitionAt(lineOf('run echo $RELEASE   '), 11)).to.deep.equal({ start: at(env, 4), end: at(env, 11) });
    // ${VERSION} in the ENV reads the stage's `ARG VERSION`.
    expect(await definitionAt(env, 20)).to.deep.equal({ start: at(6, 4), end: at(6, 11) });
  });

  it('renames a stage everywhere it is named', async () => {
    const test = lineOf('FROM build AS test');
    const prepared = await client.sendRequest(PrepareRenameRequest.type, { textDocument: { uri }, position: at(test, 7) });
    expect(prepared).to.deep.equal({ range: { start: at(test, 5), end: at(test, 10) }, placeholder: 'build' });
    const edit = await client.sendRequest(RenameRequest.type, { textDocument: { uri }, position: at(test, 7), newName: 'compile' });
    const renamed = TextDocument.applyEdits(document, edit!.changes![uri]!);
    expect(renamed.match(/compile/g)).to.have.length(4);
    expect(renamed).to.include('FROM ${BASE} AS compile').and.include('FROM compile AS test').and.include('from=compile,').and.include('--from=compile ');
    expect(renamed).to.not.match(/\bbuild\b/);

    let message = '';
    await client.sendRequest(RenameRequest.type, { textDocument: { uri }, position: at(test, 7), newName: '9lives' }).catch((err: Error) => (message = err.message));
    expect(message).to.match(/not a valid stage name/);
  });

  it('folds stages, continued instructions, heredocs and comment blocks', async () => {
    const ranges = await client.sendRequest(FoldingRangeRequest.type, { textDocument: { uri } });
    const folds = ranges!.map((r) => [r.startLine, r.endLine, r.kind ?? '']);
    expect(folds).to.deep.include.members([
      [0, 1, 'comment'],
      [lineOf('FROM ${BASE} AS build'), lineOf('EOF'), ''],
      [lineOf('ENV APP_HOME=/opt/app \\'), lineOf('    RELEASE=app-${VERSION}'), ''],
      [lineOf('COPY <<EOF /etc/motd'), lineOf('EOF'), ''],
      [lineOf('FROM build AS test'), lineOf('    echo done'), ''],
      [lineOf('from scratch'), lineOf('COPY --from=build /opt/app /app'), ''],
    ]);
  });

  it('formats conservatively: keyword case and trailing blanks, heredoc bodies untouched', async () => {
    const edits = (await client.sendRequest(DocumentFormattingRequest.type, { textDocument: { uri }, options: { tabSize: 4, insertSpaces: true } })) as TextEdit[];
    const formatted = TextDocument.applyEdits(document, edits);
    expect(formatted).to.equal(source.replace('run echo $RELEASE   ', 'RUN echo $RELEASE').replace('from scratch', 'FROM scratch'));
    expect(formatted).to.include('\nhello  \n');
  });

  it("offers lint's fixes as quick fixes, and all of them at once", async () => {
    const run = lineOf('run echo $RELEASE   ');
    const actions = await client.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: { start: at(run, 0), end: at(run, 3) }, context: { diagnostics: [] } });
    const edits = (actions ?? []).flatMap((x) => ('edit' in x && x.kind === 'quickfix' && x.edit?.changes?.[uri]) || []);
    expect(edits, JSON.stringify(actions)).to.deep.include({ range: { start: at(run, 0), end: at(run, 3) }, newText: 'RUN' });
    const all = (actions ?? []).find((x) => 'kind' in x && x.kind === 'source.fixAll');
    const fixed = TextDocument.applyEdits(document, ('edit' in all! && all.edit?.changes?.[uri]) || []);
    expect(fixed).to.include('\nRUN echo $RELEASE').and.include('\nFROM scratch\n');
  });

  it('lints with the nearest .hadolint.yaml, and says so when it is broken', async () => {
    const project = fs.mkdtempSync(path.join(os.tmpdir(), 'dfc-lsp-project-'));
    try {
      fs.writeFileSync(path.join(project, '.hadolint.yaml'), 'ignored: [ConsistentInstructionCasing]\n');
      const fileUri = `file://${project}/Dockerfile`;
      const text = 'from alpine:3.20\nRUN true\nRUN true\n';
      await client.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: fileUri, languageId: 'dockerfile', version: 1, text } });
      expect((await diagnostics(fileUri, 1)).map((d) => d.code)).to.not.include('ConsistentInstructionCasing');

      // The server asked to hear of config changes; the client tells it, and the same version is linted again.
      expect(registrations).to.include('workspace/didChangeWatchedFiles');
      fs.writeFileSync(path.join(project, '.hadolint.yaml'), 'ignored: [ConsistentInstructionCasing\n');
      await client.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: `file://${project}/.hadolint.yaml`, type: 2 }] });
      expect((await diagnostics(fileUri, 1, 2)).map((d) => d.code)).to.include('ConsistentInstructionCasing');
      expect(messages.join('\n')).to.include('.hadolint.yaml').and.include('not valid YAML');
    } finally {
      fs.rmSync(project, { recursive: true, force: true });
    }
  });

  it('offers "ignore this rule here" as a comment above the instruction', async () => {
    const actions = await client.sendRequest(CodeActionRequest.type, {
      textDocument: { uri },
      range: { start: at(emptyLine, 0), end: at(emptyLine, 0) },
      context: { diagnostics: [] },
    });
    const ignore = actions?.find((x) => 'title' in x && x.title === `Ignore ${emptyCode} for this instruction`);
    expect(ignore, JSON.stringify(actions)).to.not.equal(undefined);
    const edited = TextDocument.applyEdits(document, ('edit' in ignore! && ignore.edit?.changes?.[uri]) || []);
    expect(edited).to.include(`FROM build AS test\n# dfc ignore=${emptyCode}\nRUN --mount=`);
  });

  it("compares base images with the store's (InvalidBaseImagePlatform)", async () => {
    const platformUri = 'file:///project/platform.Dockerfile';
    const text = 'FROM example.com/tools:arm\nFROM --platform=linux/arm64 example.com/tools:arm\n';
    await client.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: platformUri, languageId: 'dockerfile', version: 1, text } });
    const found = (await diagnostics(platformUri, 1)).filter((d) => d.code === 'InvalidBaseImagePlatform');
    expect(found.map((d) => [d.range.start.line, d.message])).to.deep.equal([
      [0, 'Base image example.com/tools:arm was pulled with platform "linux/arm64", expected "linux/amd64" for current build'],
    ]);
  });

  it('publishes each version of a document once', () => {
    const versions = published.filter((p) => p.uri === completionUri || p.uri === uri).map((p) => `${p.uri}@${p.version}`);
    expect(versions).to.deep.equal([...new Set(versions)]);
  });

  it('shuts down and exits with status 0', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await client.sendRequest(ShutdownRequest.type);
    await client.sendNotification(ExitNotification.type);
    expect(await exited).to.equal(0);
  });
});
