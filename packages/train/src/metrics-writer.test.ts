import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createMetricsWriter, type MetricsRecord } from './metrics-writer.js';
import { removeTempDirs, tempDir } from './testing/helpers.js';

afterAll(removeTempDirs);

function lines(path: string): unknown[] {
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown);
}

describe('createMetricsWriter', () => {
  it('appends one JSON object per line, starting a new file empty', async () => {
    const path = join(tempDir(), 'runs', 'metrics.jsonl');
    const writer = await createMetricsWriter(path);
    writer.write({ iteration: 0, loss: 1 } as MetricsRecord);
    writer.write({ iteration: 1, loss: 0.5 } as MetricsRecord);
    expect(lines(path)).toEqual([{ iteration: 0, loss: 1 }, { iteration: 1, loss: 0.5 }]);
    await createMetricsWriter(path);
    expect(readFileSync(path, 'utf8')).toBe('');
  });

  it('on resume keeps the lines before the resumed iteration and drops the rest and a partial line', async () => {
    const path = join(tempDir(), 'metrics.jsonl');
    writeFileSync(path, ['{"iteration":0}', '{"iteration":1}', '{"iteration":2}', '{"iteration":3}', '{"itera'].join('\n'));
    const writer = await createMetricsWriter(path, { resumeAtIteration: 2 });
    expect(lines(path)).toEqual([{ iteration: 0 }, { iteration: 1 }]);
    writer.write({ iteration: 2 } as MetricsRecord);
    expect(lines(path)).toEqual([{ iteration: 0 }, { iteration: 1 }, { iteration: 2 }]);
  });
});
