import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from './config-json-schema.js';

describe('configJsonSchema', () => {
  it('describes one method with defaults, and refuses unknown keys', () => {
    const schema = configJsonSchema('ibot');
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['method']);
    expect(schema.properties?.method).toMatchObject({ const: 'ibot' });
    const optimizer = schema.properties!.optimizer!;
    expect(optimizer.additionalProperties).toBe(false);
    expect(optimizer.properties!.learningRate).toMatchObject({ type: 'number', default: 0.0005, exclusiveMinimum: 0 });
  });

  it('without a method, offers one alternative per registered method', () => {
    const schema = configJsonSchema();
    expect(schema.oneOf?.map((s) => s.properties?.method?.const)).toContain('ibot');
  });

  it('is what packages/cli/schema/selfsup-config.schema.json holds (after changing a schema, run packages/cli/scripts/generate-configs.ts)', () => {
    const committed = JSON.parse(readFileSync(new URL('../schema/selfsup-config.schema.json', import.meta.url), 'utf8')) as unknown;
    expect(committed).toEqual(JSON.parse(JSON.stringify(configJsonSchema())));
  });
});
