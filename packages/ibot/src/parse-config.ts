import type { z } from 'zod';
import { SslError } from '@selfsup/core';

/**
 * Validates `input` against a zod schema before any work starts. Every problem is reported with
 * its key path, what was expected and what was received, in one `SslError('INVALID_CONFIG')`.
 */
export function parseConfig<Schema extends z.ZodType>(schema: Schema, input: unknown, what: string): z.output<Schema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const key = issue.path.length ? issue.path.join('.') : '(root)';
    const received = receivedValue(input, issue.path);
    const got = issue.code === 'unrecognized_keys' ? '' : `, got ${JSON.stringify(received)}`;
    if (issue.code === 'unrecognized_keys') {
      return `${key === '(root)' ? '' : `${key}: `}unknown key(s) ${issue.keys.map((k) => JSON.stringify(k)).join(', ')} (check the spelling; --help lists every key)`;
    }
    return `${key}: ${issue.message}${got}`;
  });
  throw new SslError('INVALID_CONFIG', `${what} is invalid:\n  - ${problems.join('\n  - ')}`, {
    cause: result.error,
    details: { issues: result.error.issues },
  });
}

function receivedValue(input: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
