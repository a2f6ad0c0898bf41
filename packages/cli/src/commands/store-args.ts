// What every store command shares: the --root option and opening the store it names.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { resolve } from 'node:path';
import { Store, defaultStoreRoot } from '@dfc/store';
import type { CommandIO } from '../command.js';
import { UsageError } from '../command.js';

export const rootOption = { root: { type: 'string' } } as const;

export const ROOT_USAGE = '  --root DIR   the store (default $DFC_ROOT, else $XDG_DATA_HOME/dfc, else ~/.local/share/dfc)';

/** parseArgs with usage errors as UsageError, so main prints the usage and exits 2. */
type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs<T extends OptionSpec> {
  values: { [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string };
  positionals: string[];
}

export function parseCommandArgs<T extends OptionSpec>(argv: string[], options: T): ParsedArgs<T> {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true }) as unknown as ParsedArgs<T>;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export async function openStore(root: string | undefined, io: CommandIO): Promise<Store> {
  return Store.open(resolve(io.cwd, root ?? defaultStoreRoot(io.env)));
}

/** 1234567 → "1.23MB", as docker prints sizes. */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : Number(value.toPrecision(3))}${units[unit]}`;
}
