import { configJsonSchema, type JsonSchema } from './config-json-schema.js';

/** One key of a config file, as `--help` lists it. */
export interface ConfigKey {
  /** The key path, `optimizer.learningRate`. */
  readonly key: string;
  /** What it takes, `number >= 0`, `tiny | small | base | large`. */
  readonly type: string;
  /** Its default as YAML would spell it, or `(none)` for an optional key without one. */
  readonly defaultValue: string;
  readonly description: string;
}

const SAFE = Number.MAX_SAFE_INTEGER;

function format(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(format).join(', ')}]`;
  if (typeof value === 'string') return /^[A-Za-z][\w./-]*$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value);
}

/** A short description of the values a JSON Schema accepts. */
export function describeType(schema: JsonSchema): string {
  if (schema.const !== undefined) return format(schema.const);
  if (schema.enum) return schema.enum.map(format).join(' | ');
  if (schema.anyOf || schema.oneOf) return (schema.anyOf ?? schema.oneOf)!.map(describeType).join(' or ');
  if (schema.prefixItems) return `[${schema.prefixItems.map(describeType).join(', ')}]`;
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : schema.type;
  if (type === 'array') {
    const items = schema.items ? describeType(schema.items) : 'value';
    const atLeast = schema.minItems !== undefined && schema.minItems > 0 ? ` (at least ${schema.minItems})` : '';
    return `list of ${items}${atLeast}`;
  }
  if (type === 'integer' || type === 'number') {
    const low = schema.minimum !== undefined && schema.minimum > -SAFE ? schema.minimum : undefined;
    const lowExclusive = schema.exclusiveMinimum;
    const high = schema.maximum !== undefined && schema.maximum < SAFE ? schema.maximum : undefined;
    const highExclusive = schema.exclusiveMaximum;
    if ((low !== undefined || lowExclusive !== undefined) && (high !== undefined || highExclusive !== undefined)) {
      return `${type} in ${low !== undefined ? `[${low}` : `(${lowExclusive}`}, ${high !== undefined ? `${high}]` : `${highExclusive})`}`;
    }
    if (low !== undefined) return `${type} >= ${low}`;
    if (lowExclusive !== undefined) return `${type} > ${lowExclusive}`;
    if (high !== undefined) return `${type} <= ${high}`;
    if (highExclusive !== undefined) return `${type} < ${highExclusive}`;
    return type;
  }
  return typeof type === 'string' ? type : 'value';
}

/**
 * Every key of a method's config file with its type, default and description, walking the JSON
 * Schema made from the zod schema (sections are descended into, so each leaf key is listed).
 *
 * @example
 * ```ts
 * configKeys('ibot').find((k) => k.key === 'optimizer.learningRate');
 * // { key: 'optimizer.learningRate', type: 'number > 0', defaultValue: '0.0005', description: 'Base learning rate, ...' }
 * ```
 */
export function configKeys(methodName: string): ConfigKey[] {
  const out: ConfigKey[] = [];
  const walk = (schema: JsonSchema, prefix: string): void => {
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      if (name === '$schema' && prefix === '') continue;
      const key = prefix + name;
      if (property.type === 'object' && property.properties) {
        walk(property, `${key}.`);
        continue;
      }
      const alternatives = property.oneOf ?? property.anyOf;
      if (alternatives && alternatives.length > 0 && alternatives.every((a) => a.type === 'object' && a.properties)) {
        walkAlternatives(alternatives, `${key}.`); // a discriminated union of sections (backbone: vit | swin)
        continue;
      }
      const required = (schema.required ?? []).includes(name);
      out.push({
        key,
        type: describeType(property),
        defaultValue: property.default !== undefined ? format(property.default) : required ? '(required)' : '(none)',
        description: property.description ?? '',
      });
    }
  };
  /** Each alternative's keys once: the first alternative's default and description, every alternative's type. */
  const walkAlternatives = (alternatives: readonly JsonSchema[], prefix: string): void => {
    const start = out.length;
    for (const alternative of alternatives) {
      const before = out.length;
      walk(alternative, prefix);
      const added = out.splice(before);
      for (const entry of added) {
        const seen = out.slice(start).find((k) => k.key === entry.key);
        if (!seen) out.push(entry);
        else if (!seen.type.split(' | ').includes(entry.type)) Object.assign(seen, { type: `${seen.type} | ${entry.type}` });
      }
    }
  };
  walk(configJsonSchema(methodName), '');
  return out;
}

/**
 * The key table of `selfsup pretrain --help`: one line per key, `key  default  type  description`,
 * aligned, wrapped to `width` columns.
 */
export function describeConfig(methodName: string, width = 120): string {
  const keys = configKeys(methodName);
  const keyWidth = Math.max(...keys.map((k) => k.key.length)) + 2;
  const defaultWidth = Math.min(22, Math.max(...keys.map((k) => k.defaultValue.length)) + 2);
  const lines: string[] = [];
  let section = '';
  for (const k of keys) {
    const top = k.key.includes('.') ? k.key.slice(0, k.key.indexOf('.')) : '';
    if (top !== section) {
      lines.push('');
      section = top;
    }
    const head = `  ${k.key.padEnd(keyWidth)}${k.defaultValue.padEnd(defaultWidth)} `;
    const rest = `${k.type}${k.description ? `. ${k.description}` : ''}`;
    lines.push(...wrap(head, rest, Math.max(width, head.length + 40)));
  }
  return lines.join('\n').replace(/^\n/, '');
}

function wrap(head: string, text: string, width: number): string[] {
  const indent = ' '.repeat(head.length);
  const lines: string[] = [];
  let line = head;
  for (const word of text.split(' ')) {
    if (line.length + word.length + 1 > width && line.trim().length > 0 && line !== head) {
      lines.push(line.trimEnd());
      line = indent;
    }
    line += (line === head || line === indent ? '' : ' ') + word;
  }
  lines.push(line.trimEnd());
  return lines;
}
