import { parse } from 'yaml';
import { usageError } from './usage-error.js';

/**
 * Sets `keyPath` (`optimizer.learningRate`) in a raw config object, creating the objects on the
 * way; the config is validated afterwards, so a misspelt path is refused like a misspelt key.
 *
 * @example
 * ```ts
 * const config = { method: 'ibot' };
 * setKeyPath(config, 'run.outDir', 'runs/a'); // { method: 'ibot', run: { outDir: 'runs/a' } }
 * ```
 */
export function setKeyPath(config: Record<string, unknown>, keyPath: string, value: unknown): void {
  const keys = keyPath.split('.');
  if (keys.some((k) => k === '' || k === '__proto__' || k === 'constructor' || k === 'prototype')) {
    throw usageError(`--set ${keyPath}: expected a key path like optimizer.learningRate, got ${JSON.stringify(keyPath)}.`);
  }
  let node = config;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (next === undefined) node = node[key] = {};
    else if (next !== null && typeof next === 'object' && !Array.isArray(next)) node = next as Record<string, unknown>;
    else {
      throw usageError(`--set ${keyPath}: "${key}" holds ${JSON.stringify(next)}, not a section, so it has no key below it.`);
    }
  }
  node[keys[keys.length - 1]!] = value;
}

/**
 * Parses one `--set key.path=value` flag. The value is read as YAML, so `1e-3` is a number, `true` a
 * boolean, `[0.25, 1]` a list and `tiny` a string.
 *
 * @example
 * ```ts
 * parseSetFlag('optimizer.learningRate=1e-3'); // { keyPath: 'optimizer.learningRate', value: 0.001 }
 * ```
 */
export function parseSetFlag(text: string): { keyPath: string; value: unknown } {
  const equals = text.indexOf('=');
  if (equals <= 0) {
    throw usageError(`--set ${text}: expected key.path=value, e.g. --set optimizer.learningRate=1e-3.`);
  }
  const keyPath = text.slice(0, equals).trim();
  const valueText = text.slice(equals + 1);
  let value: unknown;
  try {
    value = valueText.trim() === '' ? '' : (parse(valueText) as unknown);
  } catch (cause) {
    throw usageError(`--set ${text}: the value ${JSON.stringify(valueText)} is not valid YAML (${(cause as Error).message.split('\n')[0]}).`);
  }
  return { keyPath, value };
}
