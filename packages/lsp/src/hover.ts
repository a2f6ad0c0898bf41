// Hover: what an instruction does, and what a variable or a stage name stands for.
import { ruleMeta } from '@dfc/lint';
import { DIAGNOSTIC_CODES, INSTRUCTION_REFERENCE, type InstructionName } from '@dfc/syntax';
import { MarkupKind, type Hover, type Position } from 'vscode-languageserver';
import { instructionAt, offsetAt, positionAt, toLspRange, touches, type Analysis } from './analysis.js';
import { PREDEFINED_ARGS, definitionAt, namesOf, stageAt, variableUseAt, type Stage, type VariableDefinition } from './names.js';

export function hover(a: Analysis, position: Position): Hover | null {
  const offset = offsetAt(a, position);
  const instruction = instructionAt(a, offset);
  if (!instruction) return ruleHover(a, offset);
  const names = namesOf(a);

  const use = variableUseAt(a, instruction, offset);
  if (use) {
    const def = names.scopeOf(instruction).get(use.name);
    const text = def ? describeVariable(a, def) : describeUnset(use.name, instruction.name === 'FROM');
    return markdown(text, toLspRange(a, use.range));
  }
  const def = definitionAt(names, offset);
  if (def) return markdown(describeVariable(a, def), toLspRange(a, def.nameRange));

  const stage = stageAt(names, offset);
  if (stage) return markdown(describeStage(a, stage.stage), toLspRange(a, stage.range));

  if (instruction.name !== undefined) {
    const onKeyword = touches(instruction.keywordRange, offset);
    const flag = instruction.flags.find((f) => touches(f.nameRange, offset));
    if (onKeyword || flag) return markdown(describeInstruction(instruction.name), toLspRange(a, flag ? flag.nameRange : instruction.keywordRange));
  }
  return null;
}

/** In `# hadolint ignore=…`, `# dfc ignore=…` or `# check=skip=…`: what the rule under the cursor checks. */
function ruleHover(a: Analysis, offset: number): Hover | null {
  const node = a.ast.children.find((n) => (n.kind === 'comment' || n.kind === 'directive') && n.range.start.offset <= offset && offset <= n.range.end.offset);
  if (!node || !/\b(ignore|skip)=/.test(node.text)) return null;
  const start = node.range.start.offset;
  for (const m of node.text.matchAll(/[A-Za-z][A-Za-z0-9]+/g)) {
    const from = start + m.index;
    if (offset < from || offset > from + m[0].length) continue;
    const text = describeRule(m[0]);
    return text ? markdown(text, { start: positionAt(a, from), end: positionAt(a, from + m[0].length) }) : null;
  }
  return null;
}

function describeRule(id: string): string | undefined {
  const rule = ruleMeta(id);
  if (rule) return [`**${rule.id}**: ${rule.title}`, '', rule.docs.why, ...(rule.url ? ['', `[Documentation](${rule.url})`] : [])].join('\n');
  const syntax = DIAGNOSTIC_CODES[id as keyof typeof DIAGNOSTIC_CODES];
  return syntax ? `**${id}** (${syntax.name}): ${syntax.title}` : undefined;
}

export function describeInstruction(name: InstructionName): string {
  const ref = INSTRUCTION_REFERENCE[name];
  return [`**${name}**: ${ref.summary}`, '```dockerfile', ...ref.synopsis, '```'].join('\n');
}

function describeVariable(a: Analysis, def: VariableDefinition): string {
  const lines: string[] = [];
  const kind = def.kind === 'arg' ? (def.stage === null ? 'global build argument' : 'build argument') : 'environment variable';
  lines.push(def.value === undefined ? `**${def.name}** (${kind}): no value in this file` : `**${def.name}** (${kind}) = ${code(def.value)}`);
  lines.push('', `Set on line ${def.nameRange.start.line}: ${code(firstLine(a, def.instruction.range.start.offset, def.instruction.range.end.offset))}`);
  if (def.inherits) lines.push('', `Takes the default of the global ARG on line ${def.inherits.nameRange.start.line}.`);
  if (def.kind === 'arg') lines.push('', 'A `--build-arg` of the same name overrides the default.');
  if (def.unsetReads.length > 0) lines.push('', `Reads ${def.unsetReads.map((n) => `\`$${n}\``).join(', ')}, which this file does not set (taken as empty).`);
  return lines.join('\n');
}

function describeUnset(name: string, inFrom: boolean): string {
  if (PREDEFINED_ARGS.includes(name)) {
    return inFrom
      ? `**${name}**: predefined by BuildKit (set from the build's platform or proxy settings).`
      : `**${name}**: predefined by BuildKit, but a stage sees it only after \`ARG ${name}\`.`;
  }
  return `**${name}**: not set in this file here (the base image's environment or the shell may set it).`;
}

function describeStage(a: Analysis, stage: Stage): string {
  const label = stage.name ? `stage **${stage.name.value}**` : `stage **${stage.index}**`;
  const from = firstLine(a, stage.from.range.start.offset, stage.from.range.end.offset);
  return `${label} (#${stage.index}), line ${stage.from.range.start.line}: ${code(from)}`;
}

function firstLine(a: Analysis, start: number, end: number): string {
  const text = a.text.slice(start, end);
  const nl = text.indexOf('\n');
  return (nl < 0 ? text : text.slice(0, nl) + ' …').trimEnd();
}

function code(value: string): string {
  if (value.includes('\n')) return '\n```\n' + value + '\n```';
  const fence = value.includes('`') ? '`` ' : '`';
  return fence + value + (fence === '`' ? '`' : ' ``');
}

function markdown(value: string, range: Hover['range']): Hover {
  return { contents: { kind: MarkupKind.Markdown, value }, range };
}
