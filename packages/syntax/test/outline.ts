// A readable outline of a parse: every node with its range and its typed fields. The golden
// files in fixtures/parse/*/outline are written by scripts/update-goldens from this.
import type { CommandLine, Diagnostic, Instruction, ParseResult, Range, Word } from '../src/index.js';
import { goQuote } from '../src/index.js';

export function at(range: Range): string {
  return `${range.start.line}:${range.start.column}-${range.end.line}:${range.end.column}`;
}

function word(w: Word | undefined): string {
  return w ? `${goQuote(w.value)}@${at(w.range)}` : '-';
}

function command(c: CommandLine | undefined): string {
  if (!c) return '-';
  return c.form === 'exec' ? `exec[${c.items.map(word).join(' ')}]` : `shell ${word(c.text)}`;
}

function fields(node: Instruction): string {
  switch (node.name) {
    case 'FROM':
      return `image=${word(node.image)} as=${word(node.asKeyword)} stage=${word(node.stageName)}`;
    case 'RUN':
    case 'CMD':
    case 'ENTRYPOINT':
    case 'SHELL':
      return `command=${command(node.command)}`;
    case 'ENV':
    case 'LABEL':
      return `${node.legacy ? 'legacy ' : ''}pairs=[${node.pairs.map((p) => `${word(p.key)}=${word(p.value)}`).join(' ')}]`;
    case 'ARG':
      return `declarations=[${node.declarations.map((d) => `${word(d.name)}${d.value ? '=' + word(d.value) : ''}`).join(' ')}]`;
    case 'ADD':
    case 'COPY':
      return `form=${node.form ?? '-'} sources=[${node.sources.map(word).join(' ')}] destination=${word(node.destination)}`;
    case 'EXPOSE':
    case 'VOLUME':
      return `form=${node.form ?? '-'} items=[${node.items.map(word).join(' ')}]`;
    case 'MAINTAINER':
    case 'USER':
    case 'WORKDIR':
    case 'STOPSIGNAL':
      return `value=${word(node.value)}`;
    case 'HEALTHCHECK':
      return `type=${word(node.type)} command=${command(node.command)}`;
    case 'ONBUILD':
      return `trigger=(${node.trigger ? instruction(node.trigger) : '-'})`;
    case undefined:
      return 'unknown';
  }
}

function instruction(node: Instruction): string {
  let out = `${at(node.range)} ${node.name ?? '?'} keyword=${word({ value: node.keyword, range: node.keywordRange })}`;
  if (node.flags.length) {
    out += ` flags=[${node.flags
      .map((f) => `${goQuote(f.name)}${f.value !== undefined ? `=${goQuote(f.value)}@${at(f.valueRange ?? f.range)}` : ''}@${at(f.range)}`)
      .join(' ')}]`;
  }
  out += ' ' + fields(node);
  for (const h of node.heredocs) {
    out += `\n    heredoc ${goQuote(h.name)} marker@${at(h.markerRange)} body@${at(h.contentRange)} chomp=${h.chomp} expand=${h.expand}${h.fileDescriptor !== undefined ? ` fd=${h.fileDescriptor}` : ''} content=${goQuote(h.content)}`;
  }
  for (const c of node.continuations) out += `\n    continuation@${at(c)}`;
  for (const c of node.comments) out += `\n    comment ${goQuote(c.value)}@${at(c.range)}`;
  for (const e of node.emptyContinuationLines) out += `\n    empty-line@${at(e)}`;
  return out;
}

export function outline(result: ParseResult): string {
  const lines: string[] = [`escape ${goQuote(result.ast.escapeChar)}${result.ast.bom ? ' bom' : ''}`];
  for (const node of result.ast.children) {
    switch (node.kind) {
      case 'instruction':
        lines.push(instruction(node));
        break;
      case 'directive':
        lines.push(`${at(node.range)} directive ${node.name}=${goQuote(node.value)} name@${at(node.nameRange)} value@${at(node.valueRange)}`);
        break;
      case 'comment':
        lines.push(`${at(node.range)} comment ${goQuote(node.value)}`);
        break;
      case 'blank':
      case 'bom':
        break;
    }
  }
  return lines.join('\n') + '\n';
}

export function formatDiagnostics(diagnostics: Diagnostic[]): string {
  return diagnostics.map((d) => `${at(d.range)} ${d.severity} ${d.code} ${d.message}${d.fix ? ` [fix: ${d.fix.title}]` : ''}\n`).join('');
}
