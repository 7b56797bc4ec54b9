import { describe, expect, it } from 'vitest';
import { isSslError, type Schedule } from '@selfsup/core';
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

describe('toSchedule and tables of per-epoch values', () => {
  it('refuses a table counted in epochs, saying how to expand it to iterations', () => {
    // the shape of the deprecated teacherTemperatureSchedule of @selfsup/losses
    const table = { unit: 'epoch', length: 3, at: (epoch: number) => [0.04, 0.05, 0.06][epoch]! };
    let error: unknown;
    try {
      toSchedule(table as unknown as Schedule, 'createIbotRecipe(options.teacherTemperature)');
    } catch (e) {
      error = e;
    }
    expect(isSslError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect((error as Error).message).toMatch(/createIbotRecipe\(options\.teacherTemperature\): expected a Schedule counted in iterations, got .*per epoch.*perEpoch\(table\.values, iterationsPerEpoch\)/);
  });

  it("accepts schedules written by hand without a unit, and the library's own, which say 'iteration'", () => {
    const byHand: Schedule = { length: 2, at: (iteration) => iteration };
    expect(toSchedule(byHand)).toBe(byHand);
    expect(scheduleFromValues([1]).unit).toBe('iteration');
    expect(constantSchedule(1).unit).toBe('iteration');
  });
});
