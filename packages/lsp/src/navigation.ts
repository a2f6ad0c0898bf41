// Go to definition (stages and variables) and rename of a stage.
import type { Range } from '@dfc/syntax';
import type { Position, Range as LspRange, TextEdit } from 'vscode-languageserver';
import { instructionAt, offsetAt, toLspRange, type Analysis } from './analysis.js';
import { definitionAt, namesOf, stageAt, variableUseAt, type Stage } from './names.js';

/** Where the name under the cursor is defined: a stage's name (or its FROM), or an ARG/ENV. */
export function definition(a: Analysis, position: Position): LspRange | null {
  const offset = offsetAt(a, position);
  const names = namesOf(a);
  const instruction = instructionAt(a, offset);
  if (instruction) {
    const use = variableUseAt(a, instruction, offset);
    if (use) {
      const def = names.scopeOf(instruction).get(use.name);
      return def ? toLspRange(a, def.nameRange) : null;
    }
  }
  const def = definitionAt(names, offset);
  if (def) return toLspRange(a, def.inherits?.nameRange ?? def.nameRange);
  const stage = stageAt(names, offset);
  return stage ? toLspRange(a, stageTarget(stage.stage)) : null;
}

function stageTarget(stage: Stage): Range {
  return stage.name ? stage.name.range : stage.from.keywordRange;
}

/** The stage name under the cursor, for the editor to offer renaming it. */
export function prepareRename(a: Analysis, position: Position): { range: LspRange; placeholder: string } | null {
  const found = stageAt(namesOf(a), offsetAt(a, position));
  if (!found?.stage.name || found.byIndex) return null;
  return { range: toLspRange(a, found.range), placeholder: found.stage.name.value };
}

export type RenameResult = { ok: true; edits: TextEdit[] } | { ok: false; message: string };

// BuildKit lower-cases a stage name, then requires this shape.
const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;

/** Renames a stage: its `AS name` and every FROM, COPY --from and RUN --mount from= naming it. */
export function renameStage(a: Analysis, position: Position, newName: string): RenameResult {
  const names = namesOf(a);
  const found = stageAt(names, offsetAt(a, position));
  if (!found?.stage.name || found.byIndex) return { ok: false, message: 'Only a stage name can be renamed: put the cursor on a name after AS, --from= or FROM.' };
  if (!STAGE_NAME.test(newName.toLowerCase())) {
    return { ok: false, message: `"${newName}" is not a valid stage name: start with a letter, then letters, digits, "-", "_" or ".".` };
  }
  const clash = names.stages.find((s) => s !== found.stage && s.name?.value.toLowerCase() === newName.toLowerCase());
  if (clash) return { ok: false, message: `Stage "${clash.name!.value}" on line ${clash.from.range.start.line} already has that name.` };
  const ranges = [found.stage.name.range, ...names.stageReferences.filter((r) => r.stage === found.stage && !r.byIndex).map((r) => r.range)];
  return { ok: true, edits: ranges.map((r) => ({ range: toLspRange(a, r), newText: newName })) };
}
