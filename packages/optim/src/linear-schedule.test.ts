import { describe, expect, it } from 'vitest';
import { linearSchedule } from './linear-schedule.js';

describe('linearSchedule', () => {
  it('goes from start to end, both included', () => {
    // linspace(1, 0, 5): step -0.25
    const schedule = linearSchedule({ start: 1, end: 0, length: 5 });
    expect(schedule.length).toBe(5);
    expect([...schedule.values()]).toEqual([1, 0.75, 0.5, 0.25, 0]);
    expect(schedule.at(2)).toBe(0.5);
    expect(schedule.at(5)).toBe(0); // past the end: the last value
    expect(() => schedule.at(1.5)).toThrow(/at\(iteration\)/);
  });

  it('rejects an empty schedule', () => {
    expect(() => linearSchedule({ start: 0, end: 1, length: 0 })).toThrow(/options.length/);
  });
});
