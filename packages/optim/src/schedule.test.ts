import { describe, expect, it } from 'vitest';
import { constantSchedule, scheduleFromValues, toSchedule } from './schedule.js';

describe('constantSchedule', () => {
  it('gives its value at any iteration', () => {
    const schedule = constantSchedule(0.05);
    expect(schedule.at(0)).toBe(0.05);
    expect(schedule.at(1_000_000)).toBe(0.05);
    expect(schedule.length).toBe(Infinity);
    expect(() => schedule.at(-1)).toThrow(/integer >= 0/);
    expect(() => constantSchedule(Number.NaN)).toThrow(/value/);
  });
});

describe('scheduleFromValues', () => {
  it('wraps a copy of the values and gives the last one past the end', () => {
    const source = [1, 2, 3];
    const schedule = scheduleFromValues(source);
    source[0] = 99;
    expect(schedule.at(0)).toBe(1);
    expect(schedule.at(3)).toBe(3);
    const copy = schedule.values();
    copy[1] = 99;
    expect(schedule.at(1)).toBe(2);
  });

  it('rejects non-finite values, naming the index, and an empty list', () => {
    expect(() => scheduleFromValues([1, Number.NaN])).toThrow(/values\[1\]/);
    expect(() => scheduleFromValues([])).toThrow(/at least one value/);
  });
});

describe('toSchedule', () => {
  it('turns a number into a constant and keeps a schedule', () => {
    expect(toSchedule(3).at(7)).toBe(3);
    const schedule = scheduleFromValues([4]);
    expect(toSchedule(schedule)).toBe(schedule);
    expect(() => toSchedule('fast' as unknown as number)).toThrow(/a number or a Schedule/);
  });
});
