import { parse } from 'yaml';

/** What a `selfsup pretrain` command line says, for {@link formatPretrainCommand}. */
export interface PretrainCommandParts {
  /** `--config <file>`, as the user wrote it. */
  readonly config?: string | undefined;
  /** `--resume`. */
  readonly resume?: boolean | undefined;
  /** `--resume-from <checkpoint>`. */
  readonly resumeFrom?: string | undefined;
  /** `[key.path, value]` of the flags that set keys (`--out`, `--epochs`, `--set`, ...). */
  readonly overrides?: readonly (readonly [string, unknown])[] | undefined;
}

/** The flags that set one key each; any other key is written `--set key=value`. */
const KEY_FLAGS: Readonly<Record<string, string>> = {
  'run.outDir': '--out',
  'run.backend': '--backend',
  'run.threads': '--threads',
  epochs: '--epochs',
  'run.maxStepsPerEpoch': '--steps',
};

/** `text` as one word of a POSIX shell: unchanged when it is safe, else in single quotes. */
export function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A value as `--set` reads it back (YAML): a string that YAML reads as itself, else JSON (a YAML subset). */
function flagText(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string' && readsAsItself(value)) return value;
  return JSON.stringify(value);
}

function readsAsItself(text: string): boolean {
  try {
    return parse(text) === text;
  } catch {
    return false;
  }
}

/**
 * The `selfsup pretrain` command line of `parts`, ready to paste into a shell: what messages show
 * as the exact command to run next (continue from another checkpoint, resume after a fix).
 *
 * @example
 * ```ts
 * formatPretrainCommand({ config: 'smoke.yaml', resumeFrom: 'runs/smoke/checkpoints/step-2.safetensors', overrides: [['epochs', 2]] });
 * // 'selfsup pretrain --config smoke.yaml --resume-from runs/smoke/checkpoints/step-2.safetensors --epochs 2'
 * ```
 */
export function formatPretrainCommand(parts: PretrainCommandParts): string {
  const words = ['selfsup', 'pretrain'];
  if (parts.config !== undefined) words.push('--config', shellWord(parts.config));
  if (parts.resumeFrom !== undefined) words.push('--resume-from', shellWord(parts.resumeFrom));
  else if (parts.resume) words.push('--resume');
  for (const [key, value] of parts.overrides ?? []) {
    const flag = KEY_FLAGS[key];
    if (flag && (typeof value === 'string' || typeof value === 'number')) words.push(flag, shellWord(String(value)));
    else words.push('--set', shellWord(`${key}=${flagText(value)}`));
  }
  return words.join(' ');
}
