import { describe, expect, it } from 'vitest';
import { SslError } from '@selfsup/core';
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

  it('rejects temperatures that are not positive and warm-ups longer than training', () => {
    expect(() => teacherTemperatureSchedule({ temperature: 0, warmupEpochs: 1, epochs: 3 })).toThrow(SslError);
    expect(() => teacherTemperatureSchedule({ warmupTemperature: -1, temperature: 0.07, warmupEpochs: 1, epochs: 3 })).toThrow(/warmupTemperature/);
    expect(() => teacherTemperatureSchedule({ temperature: 0.07, warmupEpochs: 4, epochs: 5, startEpoch: 2 })).toThrow(/at least .* 6 epochs/);
    expect(() => teacherTemperatureSchedule({ temperature: 0.07, warmupEpochs: 1, epochs: 3 }).at(-1)).toThrow(SslError);
  });
});
