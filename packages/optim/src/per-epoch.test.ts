import { describe, expect, it } from 'vitest';
import { isSslError } from '@selfsup/core';
import { cosineSchedule } from './cosine-schedule.js';
import { perEpoch } from './per-epoch.js';

describe('perEpoch', () => {
  it('holds the value of each epoch for all its iterations, counted in iterations', () => {
    // 3 epochs of 2 iterations: iteration i reads epoch floor(i / 2)
    const schedule = perEpoch([0.1, 0.2, 0.3], 2);
    expect(schedule.unit).toBe('iteration');
    expect(schedule.length).toBe(6);
    expect([...schedule.values()]).toEqual([0.1, 0.1, 0.2, 0.2, 0.3, 0.3]);
    expect(schedule.at(3)).toBe(0.2);
    expect(schedule.at(100)).toBe(0.3); // the last value beyond the end
  });

  it('copies its input', () => {
    const values = new Float64Array([1, 2]);
    const schedule = perEpoch(values, 1);
    values[0] = 9;
    expect(schedule.at(0)).toBe(1);
  });

  it('refuses a schedule (already counted in iterations), empty or non-finite values and a bad iterationsPerEpoch', () => {
    const fails = (run: () => unknown, pattern: RegExp) => {
      let error: unknown;
      try {
        run();
      } catch (e) {
        error = e;
      }
      expect(isSslError(error, 'INVALID_ARGUMENT')).toBe(true);
      expect((error as Error).message).toMatch(pattern);
    };
    const schedule = cosineSchedule({ baseValue: 1, finalValue: 0, iterations: 4 });
    fails(() => perEpoch(schedule as unknown as number[], 2), /perEpoch\(epochValues\): expected an array of values, one per epoch.*already counted in iterations/);
    fails(() => perEpoch([], 2), /perEpoch\(epochValues\): expected at least one value/);
    fails(() => perEpoch([1, Number.NaN], 2), /epochValues\[1\]/);
    fails(() => perEpoch([1], 0), /perEpoch\(iterationsPerEpoch\)/);
  });
});
