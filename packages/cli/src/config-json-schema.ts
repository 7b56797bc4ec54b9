import { z } from 'zod';
import { getMethod, methodNames } from './method-registry.js';
import { cliConfigSchema } from './cli-config-schema.js';

/** A JSON Schema (draft 2020-12) object, as `z.toJSONSchema` makes it. */
export type JsonSchema = {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
  readonly prefixItems?: readonly JsonSchema[];
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly default?: unknown;
  readonly description?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minLength?: number;
  readonly additionalProperties?: boolean | JsonSchema;
} & Record<string, unknown>;

const cache = new Map<string, JsonSchema>();

/**
 * The JSON Schema of config files for editors (`# yaml-language-server: $schema=...` in YAML,
 * `"$schema"` in JSON): for one method, or, without a name, for any registered method (one
 * alternative per method, chosen by `method`). Input form: keys with defaults are optional,
 * unknown keys are refused (`additionalProperties: false`).
 *
 * @example
 * ```ts
 * writeFileSync('ibot.schema.json', JSON.stringify(configJsonSchema('ibot'), null, 2));
 * ```
 */
export function configJsonSchema(methodName?: string): JsonSchema {
  const key = methodName ?? '*';
  let schema = cache.get(key);
  if (!schema) {
    if (methodName !== undefined) {
      schema = withTitle(z.toJSONSchema(cliConfigSchema(getMethod(methodName)), { io: 'input' }) as JsonSchema, methodName);
    } else {
      const alternatives = methodNames().map((name) => {
        const { $schema: _, ...rest } = z.toJSONSchema(cliConfigSchema(getMethod(name)), { io: 'input' }) as JsonSchema;
        return withTitle(rest as JsonSchema, name);
      });
      schema = {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        title: 'selfsup pretraining configuration',
        description: 'A selfsup config file: the method, its keys, and the data and run sections. See `selfsup pretrain --help`.',
        oneOf: alternatives,
      };
    }
    cache.set(key, schema);
  }
  return schema;
}

function withTitle(schema: JsonSchema, methodName: string): JsonSchema {
  const { $schema, ...rest } = schema;
  return {
    ...($schema === undefined ? {} : { $schema }),
    title: `selfsup ${getMethod(methodName).title} pretraining configuration`,
    ...rest,
    // an editor may put "$schema" in a JSON config: accept it
    properties: { $schema: { type: 'string', description: 'The JSON Schema of this file, for editors' }, ...rest.properties },
  };
}
