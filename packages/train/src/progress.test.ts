import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProgress, formatDuration } from './progress.js';
import type { MetricsRecord } from './metrics-writer.js';

function stream(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, isTTY, columns: 200, write: (text: string) => chunks.push(text) };
}

function record(iteration: number, epoch = 0): MetricsRecord {
  return {
    iteration,
    epoch,
    loss: 1.5 - iteration / 100,
    terms: { dino: 1 - iteration / 100, ibot: 0.5 },
    metrics: {},
    learningRate: 5e-4,
    weightDecay: 0.04,
    gradNorm: 2,
    updatedParameters: 10,
    microBatches: 1,
    imagesPerSecond: 64,
    stepsPerSecond: 2,
    stepMs: 500,
    dataMs: 0,
    rssMb: 100,
    heapMb: 50,
    tensorMb: 10,
    numTensors: 300,
    time: '2025-01-01T00:00:00.000Z',
  };
}

describe('formatDuration', () => {
  it('writes m:ss under an hour and h:mm:ss above', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(65.4)).toBe('1:05');
    expect(formatDuration(3 * 3600 + 2 * 60 + 9)).toBe('3:02:09');
    expect(formatDuration(Number.NaN)).toBe('?');
  });
});

describe('createProgress', () => {
  it('prints a plain line every few steps and at the last one', () => {
    const out = stream(false);
    const progress = createProgress({ totalSteps: 25, epochs: 5 }, { mode: 'auto', stream: out, everySteps: 10, env: {} });
    expect(progress.mode).toBe('lines');
    for (let i = 0; i < 25; i++) progress.update(record(i, Math.floor(i / 5)));
    progress.finish();
    // the first step, steps 10 and 20, and the last
    expect(out.chunks).toHaveLength(4);
    // step 10 ran as iteration 9: loss 1.5 - 0.09 = 1.41, 10/25 = 40%, 15 steps of 0.5 s left
    expect(out.chunks[1]).toBe(
      'step 10/25 (40%) | epoch 2/5 | loss 1.4100 [dino 0.9100, ibot 0.5000] | lr 5.00e-4 | wd 4.00e-2 | 64.0 img/s | eta ' +
        out.chunks[1]!.split('eta ')[1],
    );
    expect(out.chunks[3]).toMatch(/^step 25\/25 \(100%\) \| epoch 5\/5 .* eta 0:00\n$/);
  });

  it('redraws a bar with an ETA on a terminal', () => {
    const out = stream(true);
    const progress = createProgress({ totalSteps: 10, epochs: 1 }, { stream: out, env: {} });
    expect(progress.mode).toBe('bar');
    progress.update(record(0));
    // 1 of 10 steps: 2 of 20 bar cells; 9 steps left at 0.5 s each
    expect(out.chunks[0]).toBe('\r[##..................] 1/10  10% | epoch 1/1 | loss 1.5000 | lr 5.00e-4 | 64.0 img/s | eta 0:05\u001b[K');
    progress.log('checkpoint saved');
    expect(out.chunks[1]).toBe('\r\u001b[Kcheckpoint saved\n');
    expect(out.chunks[2]).toBe(out.chunks[0]); // the bar is redrawn below the message
    progress.finish();
    expect(out.chunks.at(-1)).toBe('\n');
  });

  describe('ETA', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    function etaAfter(progress: ReturnType<typeof createProgress>, out: ReturnType<typeof stream>, iteration: number): string {
      progress.update(record(iteration));
      return out.chunks.at(-1)!.split('eta ')[1]!.trim();
    }

    it('counts an evaluation between steps once per step it covers, not as a slow step', () => {
      vi.useFakeTimers({ toFake: ['performance'] });
      const out = stream(false);
      const progress = createProgress({ totalSteps: 1001, epochs: 1 }, { mode: 'lines', stream: out, everySteps: 1 });
      // steps of 0.5 s (the record's stepMs), the wall clock in step with them
      for (let i = 0; i < 100; i++) {
        progress.update(record(i));
        vi.advanceTimersByTime(500);
      }
      expect(etaAfter(progress, out, 100)).toBe(formatDuration(900 * 0.5));
      // a 100 s evaluation, then the next step: 100 s over 101 gaps, not a 100 s step
      vi.advanceTimersByTime(500 + 100_000);
      expect(etaAfter(progress, out, 101)).toBe(formatDuration(899 * (0.5 + 100 / 101)));
    });

    it('takes a step time from the record when the clock has nothing to compare', () => {
      vi.useFakeTimers({ toFake: ['performance'] });
      const out = stream(false);
      const progress = createProgress({ totalSteps: 11, epochs: 1 }, { mode: 'lines', stream: out, everySteps: 1 });
      expect(etaAfter(progress, out, 0)).toBe(formatDuration(10 * 0.5));
    });
  });

  it('prints lines in CI even on a terminal, and nothing in none mode', () => {
    expect(createProgress({ totalSteps: 1, epochs: 1 }, { stream: stream(true), env: { CI: 'true' } }).mode).toBe('lines');
    expect(createProgress({ totalSteps: 1, epochs: 1 }, { stream: stream(true), env: { CI: 'false' } }).mode).toBe('bar');
    const out = stream(true);
    const silent = createProgress({ totalSteps: 1, epochs: 1 }, { mode: 'none', stream: out });
    silent.update(record(0));
    silent.log('hello');
    silent.finish();
    expect(out.chunks).toEqual([]);
    expect(() => createProgress({ totalSteps: 1, epochs: 1 }, { mode: 'fancy' as 'bar' })).toThrow(/options.mode/);
  });
});
