import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseDocument, type Document } from 'yaml';
import { SslError } from '@selfsup/core';
import { usageError } from './usage-error.js';

/**
 * Reads a config file: `.json` as JSON, anything else (`.yaml`, `.yml`) as YAML 1.2 (a superset
 * of JSON). Duplicate keys and syntax errors are refused with the line and column.
 *
 * @returns the file's value, not yet validated (see `parseCliConfig`).
 * @throws SslError `INVALID_ARGUMENT` (usage) when the file cannot be read; `INVALID_CONFIG` when
 *   it does not parse, or when its aliases would expand to too many values (an alias bomb).
 * @example
 * ```ts
 * const raw = loadConfigFile('examples/configs/smoke.yaml'); // { method: 'ibot', ... }
 * ```
 */
export function loadConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw usageError(
      `--config ${path}: the file cannot be read (${(cause as NodeJS.ErrnoException).code ?? String(cause)}). ` +
        'Pass the path of a .yaml or .json config file, e.g. examples/configs/smoke.yaml.',
      { path },
    );
  }
  if (extname(path).toLowerCase() === '.json') {
    let value: unknown;
    try {
      value = JSON.parse(text) as unknown;
    } catch (cause) {
      throw new SslError('INVALID_CONFIG', `${path} is not valid JSON: ${(cause as Error).message}.`, { cause, details: { path } });
    }
    refuseDuplicateJsonKeys(text, path);
    return value;
  }
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const error = document.errors[0];
  if (error) {
    const where = error.linePos?.[0] ? `line ${error.linePos[0].line}, column ${error.linePos[0].col}` : 'unknown position';
    const firstLine = error.message.split('\n')[0] ?? error.message;
    throw new SslError('INVALID_CONFIG', `${path} is not valid YAML (${where}): ${firstLine.replace(/ at line \d+, column \d+:?$/, '')}.`, {
      cause: error,
      details: { path, line: error.linePos?.[0]?.line, column: error.linePos?.[0]?.col },
    });
  }
  return valueOfDocument(document, path);
}

/**
 * JSON.parse keeps the last of two equal keys without a word; a config file would then silently
 * lose a setting, so JSON is held to YAML's rule: valid JSON is YAML 1.2, whose parser names the
 * position of a repeated key.
 */
function refuseDuplicateJsonKeys(text: string, path: string): void {
  const duplicate = parseDocument(text, { prettyErrors: true, uniqueKeys: true }).errors.find((error) => error.code === 'DUPLICATE_KEY');
  if (!duplicate) return;
  const position = duplicate.linePos?.[0];
  const where = position ? `line ${position.line}, column ${position.col}` : 'unknown position';
  throw new SslError('INVALID_CONFIG', `${path} is not valid JSON for a config (${where}): a key appears twice in one object; keep one.`, {
    details: { path, line: position?.line, column: position?.col },
  });
}

/** Alias references a config file may expand (the yaml library's default): a handful is plenty. */
const MAX_ALIAS_COUNT = 100;

/**
 * The value of a parsed YAML document. The yaml library stops a document whose aliases expand
 * too much (a "billion laughs" bomb) before building it; that is an invalid configuration.
 */
function valueOfDocument(document: Document.Parsed, path: string): unknown {
  try {
    return document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
  } catch (cause) {
    throw new SslError(
      'INVALID_CONFIG',
      `${path}: its YAML aliases (*name) expand to too many values (more than ${MAX_ALIAS_COUNT} alias references, as in a ` +
        `"billion laughs" document): ${(cause as Error).message}. Write the values out, or use fewer aliases.`,
      { cause, details: { path, maxAliasCount: MAX_ALIAS_COUNT } },
    );
  }
}
