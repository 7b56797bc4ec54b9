import { describe, expect, it } from 'vitest';
import { linearWarmupSchedule } from './linear-warmup-schedule.js';

describe('linearWarmupSchedule', () => {
  it('is iBOT\'s teacher temperature: linspace over the warm-up, then constant', () => {
    // linspace(0.04, 0.07, 4) = [0.04, 0.05, 0.06, 0.07] (step 0.01), then 6 x 0.07
    const schedule = linearWarmupSchedule({ warmupValue: 0.04, value: 0.07, warmupLength: 4, length: 10 });
    const values = schedule.values();
    expect(values.length).toBe(10);
    [0.04, 0.05, 0.06, 0.07, 0.07, 0.07, 0.07, 0.07, 0.07, 0.07].forEach((e, i) => expect(values[i]).toBeCloseTo(e, 15));
    expect(schedule.at(3)).toBe(0.07);
  });

  it('is constant without warm-up, and rejects a warm-up longer than the run', () => {
    expect([...linearWarmupSchedule({ warmupValue: 0.04, value: 0.07, warmupLength: 0, length: 2 }).values()]).toEqual([0.07, 0.07]);
    expect(() => linearWarmupSchedule({ warmupValue: 0.04, value: 0.07, warmupLength: 5, length: 4 })).toThrow(/warmupLength/);
  });
});
