import { describe, expect, it } from 'vitest';
import { parseRunMetrics, readRunMetrics } from './run-metrics.js';

describe('parseRunMetrics', () => {
  const step = JSON.stringify({ iteration: 0, loss: 2.5, stepMs: 100, dataMs: 5, imagesPerSecond: 1200 });
  const knn = JSON.stringify({ type: 'knn', which: 'student', epoch: 0, top1: 61.5, trainSeconds: 0.105 });
  const linear = JSON.stringify({ type: 'linear', which: 'student', epoch: 0, top1: 64, trainSeconds: 0.105 });
  const summary = JSON.stringify({ type: 'steps', steps: 1, trainSeconds: 0.105 });

  it('sorts the lines by kind in one pass and keeps the evaluation lines as written', () => {
    const spaced = knn.replace(':', ': '); // the text is kept, not re-serialised
    const parsed = parseRunMetrics([summary, step, spaced, '', linear, '{"iteration": 1, "lo'].join('\n'));
    expect(parsed.steps).toEqual([JSON.parse(step)]);
    expect(parsed.knn).toEqual([JSON.parse(knn)]);
    expect(parsed.linear).toEqual([JSON.parse(linear)]);
    expect(parsed.stepsSummary).toEqual(JSON.parse(summary));
    expect(parsed.evaluationLines).toEqual([spaced, linear]);
  });

  it('skips lines that are neither steps nor evaluations, and reads a missing file as empty', () => {
    const parsed = parseRunMetrics([JSON.stringify({ type: 'other', top1: 1 }), JSON.stringify({ iteration: 'x', loss: 1 })].join('\n'));
    expect(parsed).toEqual({ steps: [], knn: [], linear: [], evaluationLines: [] });
    expect(readRunMetrics('/nonexistent/metrics.jsonl')).toEqual({ steps: [], knn: [], linear: [], evaluationLines: [] });
  });
});
