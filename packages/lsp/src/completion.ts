// Completion: instructions at the start of a line, flags per instruction, stage names after
// `--from=` (and `from=` in a mount, and FROM), ARG and ENV names after `$`.
import { INSTRUCTION_FLAGS, INSTRUCTION_NAMES, INSTRUCTION_REFERENCE, type Instruction, type InstructionName } from '@dfc/syntax';
import { CompletionItemKind, MarkupKind, type CompletionItem, type Position, type Range } from 'vscode-languageserver';
import { instructionAt, lineText, offsetAt, toLspRange, topLevelOf, touches, type Analysis } from './analysis.js';
import { describeInstruction } from './hover.js';
import { PREDEFINED_ARGS, namesOf, type Stage } from './names.js';

/** Instructions that cannot follow ONBUILD (BuildKit rejects them). */
const NOT_TRIGGERS = new Set<InstructionName>(['ONBUILD', 'FROM', 'MAINTAINER']);

export function completion(a: Analysis, position: Position): CompletionItem[] {
  const offset = offsetAt(a, position);
  const prefix = lineText(a, position.line).slice(0, position.character);
  const instruction = instructionAt(a, offset);
  const replace = (typed: string): Range => ({
    start: { line: position.line, character: position.character - typed.length },
    end: position,
  });

  // On a keyword being typed or changed: replace all of it, and add a space only at the end of a line.
  const keywordAt = (typed: string, all: readonly InstructionName[]) => {
    const onKeyword = instruction && touches(instruction.keywordRange, offset) && instruction.keywordRange.start.line === instruction.keywordRange.end.line;
    const range = onKeyword ? { start: replace(typed).start, end: toLspRange(a, instruction.keywordRange).end } : replace(typed);
    const rest = lineText(a, position.line).slice(range.end.character);
    return keywordItems(all, range, rest.trim() === '' ? ' ' : '');
  };
  let m = /^\s*([A-Za-z]*)$/.exec(prefix);
  if (m && (!instruction || instruction.keywordRange.start.line - 1 === position.line)) return keywordAt(m[1]!, INSTRUCTION_NAMES);
  m = /^\s*onbuild\s+([A-Za-z]*)$/i.exec(prefix);
  if (m) return keywordAt(m[1]!, INSTRUCTION_NAMES.filter((n) => !NOT_TRIGGERS.has(n)));
  if (!instruction) return [];

  const names = namesOf(a);
  const top = topLevelOf(a, instruction);
  const stage = names.stages.find((s) => s.from === top || s.steps.includes(top));
  const otherStages = (before = Infinity) => names.stages.filter((s) => s.name && s !== stage && s.index < before);

  m = /\$\{?([A-Za-z0-9_]*)$/.exec(prefix);
  if (m) {
    const typed = m[1]!;
    const scope = names.scopeOf(instruction);
    const items: CompletionItem[] = [...scope.values()].map((def) => ({
      label: def.name,
      kind: def.kind === 'env' ? CompletionItemKind.Variable : CompletionItemKind.Constant,
      detail: def.value === undefined ? `${def.kind.toUpperCase()} (no value in this file)` : `${def.kind.toUpperCase()} = ${def.value}`,
      textEdit: { range: replace(typed), newText: def.name },
    }));
    if (instruction.name === 'FROM' || !stage) {
      for (const name of PREDEFINED_ARGS) {
        if (!scope.has(name)) items.push({ label: name, kind: CompletionItemKind.Constant, detail: 'predefined by BuildKit', textEdit: { range: replace(typed), newText: name } });
      }
    }
    return items;
  }

  if (instruction.name === 'COPY' && (m = /--from=([^\s=]*)$/.exec(prefix))) return stageItems(otherStages(), replace(m[1]!));
  if (instruction.name === 'RUN' && (m = /--mount=\S*\bfrom=([^\s,]*)$/.exec(prefix))) return stageItems(otherStages(), replace(m[1]!));
  if (instruction.name === 'FROM' && (m = /^\s*from\s+(?:--\S+\s+)*([^\s-][^\s]*|)$/i.exec(prefix))) {
    return stageItems(otherStages(stage?.index ?? Infinity), replace(m[1]!));
  }

  m = /(?:^|\s)--([a-z-]*)$/.exec(prefix);
  if (m && instruction.name !== undefined && beforeArguments(instruction, offset - m[1]!.length - 2)) {
    const typed = '--' + m[1]!;
    const flags = INSTRUCTION_FLAGS[instruction.name];
    return Object.entries(flags).map(([name, kind]) => ({
      label: `--${name}`,
      kind: CompletionItemKind.Property,
      detail: kind === 'bool' ? `${instruction.name} flag (on/off)` : kind === 'multi' ? `${instruction.name} flag (may repeat)` : `${instruction.name} flag`,
      textEdit: { range: replace(typed), newText: kind === 'bool' ? `--${name}` : `--${name}=` },
    }));
  }
  return [];
}

/** Flags come before the arguments: the cursor's word starts no later than they do. */
function beforeArguments(instruction: Instruction, wordStart: number): boolean {
  return !instruction.args || instruction.args.range.start.offset >= wordStart;
}

function keywordItems(names: readonly InstructionName[], range: Range, after: string): CompletionItem[] {
  return names.map((name) => ({
    label: name,
    kind: CompletionItemKind.Keyword,
    detail: INSTRUCTION_REFERENCE[name].summary,
    documentation: { kind: MarkupKind.Markdown, value: describeInstruction(name) },
    textEdit: { range, newText: name + after },
  }));
}

function stageItems(stages: Stage[], range: Range): CompletionItem[] {
  return stages.map((s) => ({
    label: s.name!.value,
    kind: CompletionItemKind.Module,
    detail: `stage #${s.index}, line ${s.from.range.start.line}`,
    textEdit: { range, newText: s.name!.value },
  }));
}
