import type { z } from 'zod';
import { SslError } from '@selfsup/core';
import { METHODS, type MethodDefinition } from '@selfsup/ibot';

// The command line's methods: the built-in ones, `METHODS` of @selfsup/ibot (a plain list), and
// the ones a program embedding the command line adds with `registerMethod` before calling `main`.

export { inputOf, methodInputOf, type MethodContext, type MethodDefinition, type MethodInput } from '@selfsup/ibot';

const added = new Map<string, MethodDefinition>();

/**
 * Throws `INVALID_ARGUMENT` unless `definition` can be a method of the command line: a name of
 * lower-case letters, digits and "-", and none of the command line's own sections (`method`,
 * `data`, `run`) among its keys.
 */
export function checkMethodDefinition(definition: MethodDefinition, where = 'registerMethod'): void {
  if (!/^[a-z][a-z0-9-]*$/.test(definition.name)) {
    throw new SslError(
      'INVALID_ARGUMENT',
      `${where}(definition.name): expected lower-case letters, digits and "-", got ${JSON.stringify(definition.name)}.`,
    );
  }
  for (const reserved of ['method', 'data', 'run']) {
    if (reserved in definition.schema.shape) {
      throw new SslError(
        'INVALID_ARGUMENT',
        `${where}(${definition.name}): its schema has a key "${reserved}", which the command line reserves for its own section. Rename it.`,
      );
    }
  }
}

/**
 * Adds a method to the command line (`method: <name>` in config files), or replaces the one of that
 * name, for a program embedding the command line; the built-in methods are `METHODS` of
 * `@selfsup/ibot` and need no registration.
 *
 * @example
 * ```ts
 * registerMethod({ name: 'mine', title: 'Mine', summary: 'my method', schema: mineConfigSchema, create: createMinePretraining });
 * await main(['pretrain', '--config', 'mine.yaml']);
 * ```
 */
export function registerMethod<Schema extends z.ZodObject>(definition: MethodDefinition<Schema>): void {
  checkMethodDefinition(definition as unknown as MethodDefinition);
  added.set(definition.name, definition as unknown as MethodDefinition);
}

/** Every method of the command line by name: the built-in ones in their order, then the added ones. */
function methodsByName(): Map<string, MethodDefinition> {
  const all = new Map<string, MethodDefinition>(METHODS.map((method) => [method.name, method]));
  for (const [name, method] of added) all.set(name, method);
  return all;
}

/** The method names, the built-in ones first (`METHODS` of `@selfsup/ibot`), then the registered ones. */
export function methodNames(): string[] {
  return [...methodsByName().keys()];
}

/**
 * The method named `name`.
 * @throws SslError `INVALID_CONFIG` naming the key `method`, the method names and the value.
 */
export function getMethod(name: unknown): MethodDefinition {
  const method = typeof name === 'string' ? methodsByName().get(name) : undefined;
  if (!method) {
    throw new SslError(
      'INVALID_CONFIG',
      `method: expected one of ${methodNames().map((n) => JSON.stringify(n)).join(', ')}, got ${name === undefined ? 'nothing' : JSON.stringify(name)}. ` +
        'Every config file names its method first, e.g. "method: ibot".',
      { details: { key: 'method', expected: methodNames(), actual: name } },
    );
  }
  return method;
}
