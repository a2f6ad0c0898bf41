// Document symbols: the global ARGs, then each stage with its steps.
import type { Instruction } from '@dfc/syntax';
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver';
import { toLspRange, type Analysis } from './analysis.js';
import { namesOf } from './names.js';

export function documentSymbols(a: Analysis): DocumentSymbol[] {
  const names = namesOf(a);
  const symbols: DocumentSymbol[] = names.globalArgs.map((def) => ({
    name: def.name,
    detail: def.written === undefined ? 'global ARG' : `global ARG = ${def.written}`,
    kind: SymbolKind.Variable,
    range: toLspRange(a, def.instruction.range),
    selectionRange: toLspRange(a, def.nameRange),
  }));
  for (const stage of names.stages) {
    symbols.push({
      name: stage.name ? stage.name.value : `stage ${stage.index}`,
      detail: `FROM ${stage.from.image?.value ?? ''}`.trimEnd(),
      kind: SymbolKind.Module,
      range: toLspRange(a, stage.range),
      selectionRange: toLspRange(a, stage.name ? stage.name.range : stage.from.keywordRange),
      children: stage.steps.map((step) => stepSymbol(a, step)),
    });
  }
  return symbols;
}

function stepSymbol(a: Analysis, step: Instruction): DocumentSymbol {
  return {
    name: step.keyword.toUpperCase() || '?',
    detail: summary(a, step),
    kind: kindOf(step),
    range: toLspRange(a, step.range),
    selectionRange: toLspRange(a, step.keywordRange),
  };
}

/** The arguments' first line, shortened for an outline. */
function summary(a: Analysis, step: Instruction): string {
  const text = a.text.slice(step.keywordRange.end.offset, step.range.end.offset).trim();
  const line = text.split('\n', 1)[0]!.replace(/\s*\\$/, ' …').trim();
  return line.length > 60 ? line.slice(0, 59) + '…' : line;
}

function kindOf(step: Instruction): SymbolKind {
  switch (step.name) {
    case 'ARG':
    case 'ENV':
      return SymbolKind.Variable;
    case 'LABEL':
    case 'MAINTAINER':
      return SymbolKind.Property;
    case 'RUN':
      return SymbolKind.Function;
    case 'COPY':
    case 'ADD':
      return SymbolKind.File;
    case 'CMD':
    case 'ENTRYPOINT':
    case 'HEALTHCHECK':
    case 'SHELL':
      return SymbolKind.Method;
    case 'EXPOSE':
    case 'VOLUME':
    case 'WORKDIR':
    case 'USER':
    case 'STOPSIGNAL':
      return SymbolKind.Field;
    case 'ONBUILD':
      return SymbolKind.Event;
    case 'FROM':
      return SymbolKind.Module;
    case undefined:
      return SymbolKind.Null;
  }
}
