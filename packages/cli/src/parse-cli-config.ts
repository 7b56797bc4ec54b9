import type { z } from 'zod';
import { SslError, describeValue } from '@selfsup/core';
import { getMethod, type MethodDefinition } from './method-registry.js';
import { cliConfigSchema, type CliConfig } from './cli-config-schema.js';
import { configJsonSchema, type JsonSchema } from './config-json-schema.js';
import { describeProblem, type ConfigProblem } from '@selfsup/ibot';

/** A validated config file and its method. */
export interface ParsedCliConfig {
  readonly method: MethodDefinition;
  /** Every key with its default filled in. */
  readonly config: CliConfig;
}

/**
 * Validates a config (as read from a file, flags applied) before any work starts: the method is
 * looked up by `method`, then every key is checked against that method's schema, then the rules
 * between keys the method states (`check`: crop sizes against the patch size, ...). All problems are
 * reported at once, in one `SslError('INVALID_CONFIG')` whose message has a line per problem
 * naming the key, what was expected and the value found; a misspelt key gets the nearest valid one.
 *
 * @param source - the file (or `'the configuration'`), for the message.
 * @example
 * ```ts
 * parseCliConfig({ method: 'ibot', batchSize: '64' }, 'ibot.yaml');
 * // SslError: ibot.yaml is invalid:
 * //   - batchSize: expected number, got "64"
 * ```
 */
export function parseCliConfig(input: unknown, source: string): ParsedCliConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new SslError(
      'INVALID_CONFIG',
      `${source} is invalid: expected a mapping of keys (method: ibot, epochs: 2, ...), got ${describeValue(input)}.`,
      { details: { key: '(root)', actual: input } },
    );
  }
  const { $schema: _, ...raw } = input as Record<string, unknown>;
  if (!('method' in raw)) {
    throw new SslError('INVALID_CONFIG', `${source} is invalid:\n  - method: missing; expected one of the methods, e.g. "method: ibot".`, {
      details: { key: 'method' },
    });
  }
  let method: MethodDefinition;
  try {
    method = getMethod(raw.method);
  } catch (error) {
    throw new SslError('INVALID_CONFIG', `${source} is invalid:\n  - ${(error as Error).message}`, { cause: error, details: { key: 'method' } });
  }
  const schema = cliConfigSchema(method);
  const result = schema.safeParse(raw);
  if (result.success) {
    const config = result.data as CliConfig;
    const broken = checkRules(method, config);
    if (broken.length > 0) {
      throw new SslError('INVALID_CONFIG', `${source} is invalid:\n  - ${broken.map(describeProblem).join('\n  - ')}`, {
        details: { problems: broken },
      });
    }
    return { method, config };
  }
  const json = configJsonSchema(method.name);
  const problems = result.error.issues.flatMap((issue) => describeIssue(issue, [], raw, json));
  throw new SslError('INVALID_CONFIG', `${source} is invalid:\n  - ${problems.join('\n  - ')}`, {
    cause: result.error,
    details: { issues: result.error.issues },
  });
}

/** The rules between keys the method states ({@link MethodDefinition.check}) that `config` breaks. */
function checkRules(method: MethodDefinition, config: CliConfig): ConfigProblem[] {
  if (!method.check) return [];
  const { method: _method, data: _data, run: _run, ...keys } = config;
  return method.check(keys);
}

type Issue = z.core.$ZodIssue;

function valueAt(input: unknown, path: readonly PropertyKey[]): { found: boolean; value: unknown } {
  let value: unknown = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || !(key in (value as object))) return { found: false, value: undefined };
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return { found: true, value };
}

function keyOf(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(root)' : path.map(String).join('.');
}

function got(input: unknown, path: readonly PropertyKey[]): string {
  const { found, value } = valueAt(input, path);
  return found ? describeValue(value) : 'nothing (the key is missing)';
}

/** The zod message without its "Invalid input: " / "Too big: " lead, phrased as "expected ...". */
function expectation(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected === 'int' ? 'an integer' : issue.expected}`;
    case 'too_big':
    case 'too_small': {
      const bound = issue.code === 'too_big' ? issue.maximum : issue.minimum;
      const sign = issue.code === 'too_big' ? (issue.inclusive ? '<=' : '<') : issue.inclusive ? '>=' : '>';
      if (issue.origin === 'array') return `expected ${sign === '>=' || sign === '<=' ? (sign === '>=' ? 'at least' : 'at most') : sign} ${bound} item(s)`;
      if (issue.origin === 'string') return `expected ${sign === '>=' ? 'at least' : 'at most'} ${bound} character(s)`;
      return `expected a number ${sign} ${bound}`;
    }
    case 'invalid_value':
      return `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
    default: {
      const message = issue.message.replace(/^[A-Z][a-z ]+: /, '');
      return message.startsWith('expected') ? message : `expected ${message.charAt(0).toLowerCase()}${message.slice(1)}`;
    }
  }
}

function describeIssue(issue: Issue, prefix: readonly PropertyKey[], input: unknown, json: JsonSchema): string[] {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'unrecognized_keys') {
    const valid = Object.keys(schemaAt(json, path)?.properties ?? {}).filter((k) => k !== '$schema');
    return issue.keys.map((key) => {
      const suggestion = nearest(key, valid);
      const where = path.length === 0 ? '' : `${keyOf(path)}.`;
      return (
        `${where}${key}: unknown key${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; ` +
        `expected one of ${valid.join(', ')} (selfsup pretrain --help lists every key)`
      );
    });
  }
  if (issue.code === 'invalid_union') {
    // the branch that got furthest (an issue inside the value) says what is wrong
    const deeper = issue.errors.filter((branch) => branch.some((i) => i.path.length > 0));
    if (deeper.length === 1) return deeper[0]!.flatMap((i) => describeIssue(i, path, input, json));
    const alternatives = [...new Set(issue.errors.map((branch) => branch.map(expectation).join(', ')))];
    return [`${keyOf(path)}: ${alternatives.join(', or ')}, got ${got(input, path)}`];
  }
  return [`${keyOf(path)}: ${expectation(issue)}, got ${got(input, path)}`];
}

function schemaAt(json: JsonSchema, path: readonly PropertyKey[]): JsonSchema | undefined {
  let node: JsonSchema | undefined = json;
  for (const key of path) {
    if (!node) return undefined;
    node = typeof key === 'number' ? (node.prefixItems?.[key] ?? node.items) : node.properties?.[String(key)];
  }
  return node;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The valid key closest to a misspelt one, when it is close enough to be the intended one. */
export function nearest(key: string, valid: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const exact = valid.find((v) => v.toLowerCase() === lower);
  if (exact) return exact;
  let best: { key: string; distance: number } | undefined;
  for (const candidate of valid) {
    const d = distance(lower, candidate.toLowerCase());
    if (!best || d < best.distance) best = { key: candidate, distance: d };
  }
  return best && best.distance <= Math.max(1, Math.floor(key.length / 3)) ? best.key : undefined;
}
