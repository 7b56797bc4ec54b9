import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parse as parseYaml } from 'yaml';
import type { ConfigKey } from './describe-config.js';
import { usageError } from './usage-error.js';

/**
 * How the text after a flag is read:
 * - `'text'`: as given;
 * - `'yaml'`: as a YAML value (`3` is a number, `true` a boolean), checked with the config later;
 * - `'count'`: an integer >= 1;
 * - `'positive'`: a number > 0;
 * - `'positives'`: comma-separated numbers > 0 (`0.001,0.01`).
 */
export type FlagReading = 'text' | 'yaml' | 'count' | 'positive' | 'positives';

/**
 * One command-line flag, declared once: `parseFlags` reads it and `describeFlags` writes its line
 * of `--help` from the same declaration.
 */
export interface FlagDeclaration {
  /** The long name, without dashes: `resume-from`. */
  readonly name: string;
  /** A one-letter alias, without the dash. @defaultValue none */
  readonly short?: string;
  /** What follows the flag, as help shows it (`<file>`); a flag without one is a switch. @defaultValue none (a switch) */
  readonly value?: string;
  /** How its text is read (see {@link FlagReading}). @defaultValue 'text' */
  readonly read?: FlagReading;
  /** The accepted values (checked when parsing). @defaultValue any */
  readonly choices?: readonly string[] | (() => readonly string[]);
  /** It may be given several times; every value is kept, in order. @defaultValue false */
  readonly repeatable?: boolean;
  /** The command fails without it. @defaultValue false */
  readonly required?: boolean;
  /**
   * The config key that it overrides (`run.outDir`): help shows the key, its description,
   * accepted values and default from the config schema.
   * @defaultValue none
   */
  readonly configKey?: string;
  /** What it does, for help (with `configKey`, said after the key's own description). */
  readonly description: string;
  /** Its default, as help shows it. @defaultValue none */
  readonly defaultText?: string;
  /** The sub-command it belongs to (`knn` of `eval knn`); another sub-command refuses it. @defaultValue every one */
  readonly only?: string;
}

/** The value a declaration parses to. */
export type FlagValue<D extends FlagDeclaration> = D extends { readonly value: string }
  ? D extends { readonly repeatable: true }
    ? string[]
    : D extends { readonly read: 'yaml' }
      ? unknown
      : D extends { readonly read: 'count' | 'positive' }
        ? number
        : D extends { readonly read: 'positives' }
          ? number[]
          : string
  : boolean;

/** The values of a list of declarations, by name; a flag not given is `undefined`. */
export type FlagValues<Ds extends readonly FlagDeclaration[]> = {
  [D in Ds[number] as D['name']]?: FlagValue<D>;
};

/** The flags of every command: `--help` and `--verbose`. */
export const COMMON_FLAGS = [
  { name: 'help', short: 'h', description: 'print this help' },
  { name: 'verbose', description: 'print stack traces of errors' },
] as const satisfies readonly FlagDeclaration[];

function choicesOf(declaration: FlagDeclaration): readonly string[] | undefined {
  const { choices } = declaration;
  return typeof choices === 'function' ? choices() : choices;
}

function readNumber(name: string, text: string, integer: boolean): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || (integer && (!Number.isInteger(value) || value < 1)) || (!integer && value <= 0)) {
    throw usageError(`--${name}: expected ${integer ? 'a positive integer' : 'a positive number'}, got ${JSON.stringify(text)}.`);
  }
  return value;
}

function readYaml(text: string): unknown {
  try {
    return parseYaml(text) as unknown;
  } catch {
    return text;
  }
}

/** The value of one occurrence of a flag with a value, read as its declaration says. */
function readValue(declaration: FlagDeclaration, text: string): unknown {
  const choices = choicesOf(declaration);
  if (choices && !choices.includes(text)) {
    throw usageError(`--${declaration.name}: expected one of ${choices.join(', ')}, got ${JSON.stringify(text)}.`);
  }
  switch (declaration.read ?? 'text') {
    case 'yaml':
      return readYaml(text);
    case 'count':
      return readNumber(declaration.name, text, true);
    case 'positive':
      return readNumber(declaration.name, text, false);
    case 'positives':
      return text.split(',').map((part) => readNumber(declaration.name, part, false));
    default:
      return text;
  }
}

/**
 * Reads `args` with `parseArgs` of `node:util` (strict: an unknown flag or a missing value is a
 * usage error, exit code 2) and converts each value as its declaration says. `--help` and
 * `--verbose` ({@link COMMON_FLAGS}) are always accepted.
 *
 * @param command - the command as the user typed it, for messages: `pretrain`, `eval`.
 * @example
 * ```ts
 * const FLAGS = [{ name: 'epochs', value: '<n>', read: 'count', description: 'epochs to train' }] as const;
 * const { values } = parseFlags(['--epochs', '3'], FLAGS, 'demo'); // values.epochs === 3
 * ```
 */
export function parseFlags<const Ds extends readonly FlagDeclaration[]>(
  args: readonly string[],
  declarations: Ds,
  command: string,
  options: { readonly positionals?: boolean } = {},
): { values: FlagValues<Ds> & FlagValues<typeof COMMON_FLAGS>; positionals: string[] } {
  const all: readonly FlagDeclaration[] = [...declarations, ...COMMON_FLAGS];
  const config: NonNullable<ParseArgsConfig['options']> = {};
  for (const d of all) {
    config[d.name] = { type: d.value === undefined ? 'boolean' : 'string', ...(d.short ? { short: d.short } : {}), ...(d.repeatable ? { multiple: true } : {}) };
  }
  let parsed: { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...args], options: config, strict: true, allowPositionals: options.positionals ?? false });
  } catch (error) {
    const message = (error as Error).message.replace(/\.? To specify a positional argument.*$/s, '').replace(/\.?$/, '.');
    throw usageError(`selfsup ${command}: ${message} Run \`selfsup ${command} --help\` for the flags.`);
  }
  const values: Record<string, unknown> = {};
  for (const d of all) {
    const given = parsed.values[d.name];
    if (given === undefined) continue;
    if (d.value === undefined) values[d.name] = given === true;
    else if (Array.isArray(given)) values[d.name] = given.map((text) => readValue(d, String(text)));
    else values[d.name] = readValue(d, String(given));
  }
  return { values: values as FlagValues<Ds> & FlagValues<typeof COMMON_FLAGS>, positionals: parsed.positionals };
}

/**
 * Checks what the declarations require of the values: the `required` flags are given, and no flag
 * of another sub-command (`only`) is.
 *
 * @param command - the command with its sub-command, for messages: `eval knn`.
 * @param subcommand - the sub-command chosen (`knn`), when the command has some.
 */
export function checkFlags(values: Readonly<Record<string, unknown>>, declarations: readonly FlagDeclaration[], command: string, subcommand?: string): void {
  const foreign = declarations.filter((d) => d.only !== undefined && d.only !== subcommand && values[d.name] !== undefined);
  if (foreign.length > 0) {
    const names = foreign.map((d) => `--${d.name}`);
    const owner = foreign[0]!.only!;
    throw usageError(
      `selfsup ${command}: ${names.length === 1 ? `${names[0]} is a flag` : `${names.slice(0, -1).join(', ')} and ${names.at(-1)} are flags`} of ${command.split(' ')[0]} ${owner}.`,
    );
  }
  for (const d of declarations) {
    if (d.required && values[d.name] === undefined) throw usageError(`selfsup ${command}: expected --${d.name}${d.value ? ` ${d.value}` : ''}.`);
  }
}

/**
 * The overrides of config keys that the flags given carry (`--out runs/a` -> `['run.outDir',
 * 'runs/a']`), in the order of the declarations.
 */
export function configOverrides(values: Readonly<Record<string, unknown>>, declarations: readonly FlagDeclaration[]): [string, unknown][] {
  return declarations.filter((d) => d.configKey !== undefined && values[d.name] !== undefined).map((d) => [d.configKey!, values[d.name]]);
}

/** `text` broken into lines of at most `width` characters at spaces; lines after the first are indented by `indent`. */
export function wrapWords(text: string, width: number, indent: string, first = ''): string {
  const lines: string[] = [];
  let line = first;
  let start = first;
  for (const word of text.split(' ')) {
    if (line !== start && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
      start = indent;
    } else {
      line = line === start ? line + word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines.map((l) => l.trimEnd()).join('\n');
}

/** The help text of one flag: its description, with what the config schema says of its key. */
function flagText(declaration: FlagDeclaration, keys: readonly ConfigKey[]): string {
  const parts: string[] = [];
  const key = declaration.configKey === undefined ? undefined : keys.find((k) => k.key === declaration.configKey);
  if (declaration.configKey !== undefined) {
    const accepted = key && !/^(string|value)$/.test(key.type) ? [key.type] : [];
    const details = [...accepted, ...(key && !key.defaultValue.startsWith('(') ? [`default ${key.defaultValue}`] : [])];
    const description = [key?.description, declaration.description].filter((text) => text).join('; ');
    parts.push(`${declaration.configKey}${details.length > 0 ? ` (${details.join(', ')})` : ''}${description ? `: ${description}` : ''}`);
  } else {
    parts.push(declaration.description);
    const choices = choicesOf(declaration);
    const details = [
      ...(choices ? [`one of ${choices.join(', ')}`] : []),
      ...(declaration.defaultText ? [`default ${declaration.defaultText}`] : []),
      ...(declaration.required ? ['required'] : []),
      ...(declaration.repeatable ? ['repeatable'] : []),
    ];
    if (details.length > 0) parts.push(`(${details.join('; ')})`);
  }
  if (declaration.only !== undefined) parts.unshift(`${declaration.only}:`);
  return parts.join(' ');
}

/**
 * The flag lines of a command's `--help`, generated from the declarations (and, for flags that
 * override a config key, from the config schema's keys): `  --name, -n <value>  description`,
 * aligned and wrapped to `width` columns.
 *
 * @param options - `keys`: the config keys of the method (`configKeys(method)`), for flags with
 *   `configKey`; `width`: the columns to wrap to (100).
 */
export function describeFlags(declarations: readonly FlagDeclaration[], options: { readonly keys?: readonly ConfigKey[]; readonly width?: number } = {}): string {
  const all: readonly FlagDeclaration[] = [...declarations, ...COMMON_FLAGS];
  const heads = all.map((d) => `  --${d.name}${d.short ? `, -${d.short}` : ''}${d.value ? ` ${d.value}` : ''}`);
  const column = Math.max(...heads.map((h) => h.length)) + 2;
  const width = options.width ?? 100;
  return all.map((d, i) => wrapWords(flagText(d, options.keys ?? []), width, ' '.repeat(column), heads[i]!.padEnd(column))).join('\n');
}
