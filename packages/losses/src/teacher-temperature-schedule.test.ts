import { describe, expect, it } from 'vitest';
import { SslError, type Schedule } from '@selfsup/core';
import { cosineSchedule, toSchedule } from '@selfsup/optim';
import { teacherTemperatureSchedule } from './teacher-temperature-schedule.js';

describe('teacherTemperatureSchedule', () => {
  it('ramps linearly over the warm-up epochs, ends included, then stays (hand-derived)', () => {
    const s = teacherTemperatureSchedule({ warmupTemperature: 0.04, temperature: 0.07, warmupEpochs: 4, epochs: 6 });
    // step (0.07 - 0.04) / 3 = 0.01: 0.04, 0.05, 0.06, 0.07, then 0.07
    const expected = [0.04, 0.05, 0.06, 0.07, 0.07, 0.07];
    expect(s.length).toBe(6);
    s.values.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 15));
    expect(s.at(3)).toBe(0.07); // the last warm-up value is exactly the target, as NumPy's linspace
    expect(s.at(100)).toBe(0.07); // clamped beyond the end
  });

  it("holds the warm-up temperature for startEpoch epochs first (iBOT's mim_start_epoch)", () => {
    const s = teacherTemperatureSchedule({ temperature: 0.07, warmupEpochs: 4, epochs: 8, startEpoch: 2 });
    const expected = [0.04, 0.04, 0.04, 0.05, 0.06, 0.07, 0.07, 0.07];
    s.values.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 15));
  });

  it('handles warm-ups of one and zero epochs as linspace does', () => {
    expect(teacherTemperatureSchedule({ temperature: 0.07, warmupEpochs: 1, epochs: 3 }).values).toEqual([0.04, 0.07, 0.07]);
    expect(teacherTemperatureSchedule({ temperature: 0.07, warmupEpochs: 0, epochs: 2 }).values).toEqual([0.07, 0.07]);
  });

  it("is a deprecated table per epoch: optim's one curve with one iteration per epoch, refused where a Schedule is expected", () => {
    const table = teacherTemperatureSchedule({ warmupTemperature: 0.03, temperature: 0.07, warmupEpochs: 3, epochs: 7, startEpoch: 2 });
    const curve = cosineSchedule({ baseValue: 0.07, finalValue: 0.07, startWarmupValue: 0.03, warmupEpochs: 3, holdEpochs: 2, epochs: 7, iterationsPerEpoch: 1 });
    expect(table.values).toEqual([...curve.values()]);
    expect(table.unit).toBe('epoch');
    expect(() => toSchedule(table as unknown as Schedule, 'createIbotRecipe(options.teacherTemperature)')).toThrow(/counted in iterations/);
  });

  it('rejects temperatures that are not positive and warm-ups longer than training', () => {
    expect(() => teacherTemperatureSchedule({ temperature: 0, warmupEpochs: 1, epochs: 3 })).toThrow(SslError);
    expect(() => teacherTemperatureSchedule({ warmupTemperature: -1, temperature: 0.07, warmupEpochs: 1, epochs: 3 })).toThrow(/warmupTemperature/);
    expect(() => teacherTemperatureSchedule({ temperature: 0.07, warmupEpochs: 4, epochs: 5, startEpoch: 2 })).toThrow(/at least .* 6 epochs/);
    expect(() => teacherTemperatureSchedule({ temperature: 0.07, warmupEpochs: 1, epochs: 3 }).at(-1)).toThrow(SslError);
  });
});
